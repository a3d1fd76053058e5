{
  "variables": {
    "//": "The one list of native sources, per module; CMakeLists.txt and binding.gyp both read it.",

    "larch_addon_sources": [
      "native/addon/module.cc"
    ],

    "larch_forest_sources": [
      "native/forest/forest_ir.cc",
      "native/forest/source_excerpt.cc",
      "native/forest/document.cc",
      "native/forest/json_reader.cc",
      "native/forest/ubjson_reader.cc",
      "native/forest/xgboost_objective.cc",
      "native/forest/xgboost_model_builder.cc",
      "native/forest/load_xgboost_json.cc",
      "native/forest/load_xgboost_ubj.cc",
      "native/forest/lightgbm_objective.cc",
      "native/forest/lightgbm_text.cc",
      "native/forest/load_lightgbm_text.cc"
    ],

    "larch_batch_sources": [
    ],

    "larch_onnx_sources": [
    ],

    "larch_train_sources": [
    ],

    "larch_end_of_lists": []
  }
}
