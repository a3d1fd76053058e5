{
  "variables": {
    "//": "The one list of native sources, per module; CMakeLists.txt and binding.gyp both read it.",

    "larch_addon_sources": [
      "native/addon/module.cc"
    ],

    "larch_forest_sources": [
      "native/addon/forest_binding.cc",
      "native/common/thread_pool.cc",
      "native/forest/compile.cc",
      "native/forest/complete_layout.cc",
      "native/forest/document.cc",
      "native/forest/evaluate_complete_avx512.cc",
      "native/forest/forest_ir.cc",
      "native/forest/json_reader.cc",
      "native/forest/lightgbm_objective.cc",
      "native/forest/lightgbm_text.cc",
      "native/forest/load_lightgbm_text.cc",
      "native/forest/load_model.cc",
      "native/forest/load_treelite_checkpoint.cc",
      "native/forest/load_xgboost_binary.cc",
      "native/forest/load_xgboost_json.cc",
      "native/forest/load_xgboost_ubj.cc",
      "native/forest/predictor.cc",
      "native/forest/source_excerpt.cc",
      "native/forest/ubjson_reader.cc",
      "native/forest/write_treelite_checkpoint.cc",
      "native/forest/xgboost_model_builder.cc",
      "native/forest/xgboost_objective.cc"
    ],

    "larch_batch_sources": [
      "native/batch/policy.cc",
      "native/batch/tensor.cc",
      "native/batch/stats.cc",
      "native/batch/batcher.cc",
      "native/batch/model_registry.cc",
      "native/addon/batch_runner_kinds.cc",
      "native/addon/batch_binding.cc",
      "native/addon/batch_test_runner.cc",
      "native/batch/forest_runner.cc",
      "native/addon/batch_forest_runner.cc"
    ],

    "larch_protocol_sources": [
      "native/protocol/json_numbers.cc",
      "native/addon/protocol_binding.cc"
    ],

    "larch_onnx_sources": [
      "native/onnx/ort_runtime.cc",
      "native/onnx/tensor_types.cc",
      "native/onnx/onnx_session.cc",
      "native/onnx/onnx_batch_runner.cc",
      "native/addon/onnx_binding.cc",
      "native/addon/onnx_tensors.cc",
      "native/addon/onnx_batch_kind.cc"
    ],

    "larch_train_sources": [
      "native/addon/train_binding.cc",
      "native/addon/train_model_binding.cc",
      "native/train/csv_reader.cc",
      "native/train/gbdt.cc",
      "native/train/gbdt_split.cc",
      "native/train/gbdt_tree.cc",
      "native/train/histogram.cc",
      "native/train/objective.cc",
      "native/train/quantize.cc",
      "native/train/random_forest.cc",
      "native/train/rf_tree.cc",
      "native/train/synthetic.cc",
      "native/train/to_forest.cc"
    ],

    "larch_flow_sources": [
      "native/addon/flow_binding.cc",
      "native/common/sha256.cc",
      "native/common/sha256_x16.cc",
      "native/flow/blob_hash.cc"
    ],

    "larch_end_of_lists": []
  }
}
