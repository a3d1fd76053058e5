// Every backend registers itself with the repository when its module is imported; importing
// this module makes them all available (the server and the library import it).
import './onnx.js';
