{
  "variables": {
    "larch_sources": [
      "native/addon/module.cc",
      "native/forest/forest_ir.cc"
    ]
  }
}
