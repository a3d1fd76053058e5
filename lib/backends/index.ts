// Every backend registers itself with the repository when its module is imported; importing
// this module makes them all available (the server and the library import it). The hooks a
// backend implements (autoComplete, load) are documented in lib/repository/backend-registry.ts.
import './fil.js';
import './onnx.js';
