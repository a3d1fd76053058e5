{
  "includes": ["native/sources.gypi"],
  "targets": [
    {
      "target_name": "larch",
      "sources": [
        "<@(larch_addon_sources)", "<@(larch_forest_sources)", "<@(larch_batch_sources)", "<@(larch_protocol_sources)",
        "<@(larch_onnx_sources)", "<@(larch_train_sources)",
        "<@(larch_flow_sources)"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")", "native",
                       "<!@(node scripts/onnx-headers.mjs --gyp-include)"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED",
                  "<!@(node scripts/onnx-headers.mjs --gyp-defines)"],
      "cflags!": ["-fno-exceptions"],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17"],
      "cflags_cc": ["-std=c++20", "-O3", "-fexceptions"],
      "libraries": ["-ldl", "-lpthread"]
    }
  ]
}
