#!/usr/bin/env python3
"""Checks larch serve against Triton's own Python clients (tritonclient.http and tritonclient.grpc).

Not part of `npm test`: tritonclient comes from PyPI, which CI cannot reach. Run it where
tritonclient is installed (`pip install 'tritonclient[all]'`, or its sources on PYTHONPATH):

    npm install
    python3 scripts/tritonclient-check.py            # exit 0 when every check passes

It builds a Triton model repository from test/fixtures (FIL models in every format and
output mode, and ONNX models), starts `larch serve` on free ports in explicit model-control mode
with every model loaded, and drives every client call a Triton user makes: health, metadata,
configs, inference (JSON and binary tensors, classification, compression, async, streaming,
system shared memory), statistics, repository control, log settings and errors. Predictions are compared with the fixtures'
reference outputs (produced by XGBoost, LightGBM, Treelite, scikit-learn and ONNX Runtime).
"""
import argparse
import json
import os
import queue
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import traceback

import numpy as np

try:
    import tritonclient.grpc as grpcclient
    import tritonclient.http as httpclient
    from tritonclient.utils import InferenceServerException
except ImportError as error:  # tell the user how to get it, do not pretend to pass
    sys.exit(f"tritonclient is not importable ({error}); install it with pip install 'tritonclient[all]'")

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
FIXTURES = os.path.join(ROOT, 'test', 'fixtures')
NP_DTYPES = {'float32': np.float32, 'float64': np.float64, 'int64': np.int64}

# model name -> (fixture id, FIL parameters, output kind: 'value' | 'class' | 'proba')
FIL_MODELS = {
    'xgb_json_proba': ('xgb_binary_logistic_nan.probability', {}, 'value'),
    'xgb_ubj': ('xgb_binary_logistic_nan_ubj.probability', {}, 'value'),
    'xgb_multi': ('xgb_multi_softprob4.probability', {}, 'value'),
    'xgb_multi_class': ('xgb_multi_softprob4.probability', {'output_class': 'true'}, 'class'),
    'xgb_binary_class': ('xgb_binary_logistic_nan.probability', {'output_class': 'true', 'threshold': '0.3'}, 'class'),
    'xgb_binary_proba': ('xgb_binary_logistic_nan.probability', {'output_class': 'true', 'predict_proba': 'true'}, 'proba'),
    'xgb_reg': ('xgb_reg_squarederror.value', {}, 'value'),
    'lgb_reg': ('lgb_regression.value', {}, 'value'),
    'lgb_multi': ('lgb_multiclass3.probability', {}, 'value'),
    'tl_rf3': ('tl_sklearn_rf_classifier3.probability', {}, 'value'),
    'tl_xgb': ('tl_xgb_binary_logistic_nan.probability', {}, 'value'),
}
FIL_FILES = {'xgboost_json': ('xgboost_json', 'xgboost.json'), 'xgboost_ubj': ('xgboost_ubj', 'xgboost.ubj'),
             'lightgbm_text': ('lightgbm', 'model.txt'), 'treelite_checkpoint': ('treelite_checkpoint', 'checkpoint.tl')}


class Checks:
    def __init__(self):
        self.passed, self.failed = 0, []

    def run(self, name, fn):
        try:
            fn()
            self.passed += 1
            print(f'  ok    {name}')
        except Exception as error:  # every failure is reported, then the next check runs
            self.failed.append(name)
            print(f'  FAIL  {name}: {type(error).__name__}: {error}')
            if os.environ.get('VERBOSE'):
                traceback.print_exc()


def rows_for(model, start, count):
    """Rows [start, start + count), cut to what the model takes in one request: its config's
    max_batch_size (512 for the FIL models here, 4 for the ONNX ones, whose config larch completes
    from the model with Triton's default)."""
    return slice(start, start + min(count, 4 if model.startswith('onnx') else 512))


def load_tensor(entry, shape=None):
    data = np.fromfile(os.path.join(FIXTURES, entry['file']), dtype=NP_DTYPES[entry['dtype']])
    return data.reshape(shape or entry['shape'])


def build_repository(root, cases):
    """Writes the Triton repository; returns {model: (inputs {name: array}, expected {name: array}, tolerance, kind)}."""
    served = {}
    for model, (case_id, params, kind) in FIL_MODELS.items():
        c = cases[case_id]
        model_type, file_name = FIL_FILES[c['model_format']]
        os.makedirs(os.path.join(root, model, '1'))
        shutil.copy(os.path.join(FIXTURES, c['model_file']), os.path.join(root, model, '1', file_name))
        parameters = {'model_type': model_type, 'output_class': 'false', **params}
        entries = ',\n  '.join(f'{{ key: "{k}" value: {{ string_value: "{v}" }} }}' for k, v in parameters.items())
        with open(os.path.join(root, model, 'config.pbtxt'), 'w') as f:
            f.write(f'backend: "fil"\nmax_batch_size: 512\nparameters [\n  {entries}\n]\n'
                    'dynamic_batching { max_queue_delay_microseconds: 100 }\n')
        x = load_tensor({'file': c['input_file'], 'dtype': c['input_dtype'], 'shape': c['input_shape']})
        rows = c['input_shape'][0]
        y = load_tensor({'file': c['expected_file'], 'dtype': c['expected_dtype'], 'shape': c['expected_shape']}).reshape(rows, -1)
        if kind == 'class':
            threshold = float(params.get('threshold', 0.5))
            y = (y[:, :1] > threshold).astype(np.float32) if y.shape[1] == 1 else np.argmax(y, axis=1).reshape(rows, 1).astype(np.float32)
        elif kind == 'proba' and y.shape[1] == 1:
            y = np.concatenate([1 - y, y], axis=1)
        tolerance = {'abs': max(c['tolerance']['abs'], 1e-6), 'rel': max(c['tolerance']['rel'], 1e-6)}
        served[model] = ({'input__0': x}, {'output__0': y.astype(np.float32)}, tolerance, kind)
    # A config as the FIL backend's documentation writes one: every tensor spelled out, a GPU
    # instance group and the GPU tuning parameters (which larch accepts and ignores).
    c = cases['xgb_binary_logistic_nan.probability']
    os.makedirs(os.path.join(root, 'fil_doc_style', '1'))
    shutil.copy(os.path.join(FIXTURES, c['model_file']), os.path.join(root, 'fil_doc_style', '1', 'xgboost.json'))
    params = {'model_type': 'xgboost_json', 'predict_proba': 'true', 'output_class': 'true', 'threshold': '0.5',
              'algo': 'ALGO_AUTO', 'storage_type': 'AUTO', 'blocks_per_sm': '0', 'threads_per_tree': '1',
              'transfer_threshold': '0', 'use_experimental_optimizations': 'false'}
    entries = '\n'.join(f'  {{\n    key: "{k}"\n    value: {{ string_value: "{v}" }}\n  }},' for k, v in params.items()).rstrip(',')
    with open(os.path.join(root, 'fil_doc_style', 'config.pbtxt'), 'w') as f:
        f.write(f'''backend: "fil"
max_batch_size: 32768
input [
 {{
    name: "input__0"
    data_type: TYPE_FP32
    dims: [ {c['input_shape'][1]} ]
  }}
]
output [
 {{
    name: "output__0"
    data_type: TYPE_FP32
    dims: [ 2 ]
  }}
]
instance_group [{{ kind: KIND_GPU }}]
parameters [
{entries}
]

dynamic_batching {{}}
''')
    x = load_tensor({'file': c['input_file'], 'dtype': c['input_dtype'], 'shape': c['input_shape']})
    p = load_tensor({'file': c['expected_file'], 'dtype': c['expected_dtype'], 'shape': c['expected_shape']}).reshape(-1, 1)
    served['fil_doc_style'] = ({'input__0': x}, {'output__0': np.concatenate([1 - p, p], axis=1).astype(np.float32)},
                               {'abs': 1e-5, 'rel': 1e-5}, 'proba')
    # XGBoost's legacy binary format with no model_type (FIL's default type, file xgboost.model).
    legacy = os.path.join(ROOT, 'test', 'fixtures-xgboost-legacy')
    os.makedirs(os.path.join(root, 'xgb_legacy', '1'))
    shutil.copy(os.path.join(legacy, 'multi_softprob3.model'), os.path.join(root, 'xgb_legacy', '1', 'xgboost.model'))
    with open(os.path.join(root, 'xgb_legacy', 'config.pbtxt'), 'w') as f:
        f.write('backend: "fil"\nmax_batch_size: 64\ndynamic_batching {}\n')
    x = np.fromfile(os.path.join(legacy, 'input.f32'), dtype=np.float32).reshape(64, 6)
    y = np.fromfile(os.path.join(legacy, 'multi_softprob3.expected_value.f32'), dtype=np.float32).reshape(64, 3)
    served['xgb_legacy'] = ({'input__0': x}, {'output__0': y}, {'abs': 1e-5, 'rel': 1e-5}, 'value')
    for case_id, c in cases.items():
        if c['library'] != 'onnx':
            continue
        model = case_id.replace('onnx_', 'onnx_')
        os.makedirs(os.path.join(root, model, '1'))
        shutil.copy(os.path.join(FIXTURES, c['model_file']), os.path.join(root, model, '1', 'model.onnx'))
        # No config.pbtxt: larch completes it from the model, as Triton's auto-complete does.
        # A 1-D tensor [N] gets dims [1] (reshape to []) from auto-complete, as Triton's onnxruntime
        # backend completes it, so its rows are sent, and come back, as [N, 1].
        inputs = {t['name']: load_tensor(t).reshape(t['shape'][0], -1) if len(t['shape']) == 1 else load_tensor(t) for t in c['inputs']}
        expected = {t['name']: load_tensor(t).reshape(t['shape'][0], -1) if len(t['shape']) == 1 else load_tensor(t) for t in c['outputs']}
        served[model] = (inputs, expected, c['tolerance'], 'value')
    return served


def start_server(repository):
    command = ['node', os.path.join(ROOT, 'bin', 'larch.js'), 'serve', '--model-repository', repository,
               '--http-port', '0', '--grpc-port', '0', '--metrics-port', '0', '--http-address', '127.0.0.1',
               '--grpc-address', '127.0.0.1', '--metrics-address', '127.0.0.1',
               '--model-control-mode', 'explicit', '--load-model', '*', '--allow-client-shm=true']
    proc = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    ports, lines = {}, []
    deadline = time.time() + 120
    while len(ports) < 3 and time.time() < deadline:
        line = proc.stdout.readline()
        if not line:
            break
        lines.append(line)
        m = re.search(r'Started (HTTPService|GRPCInferenceService|Metrics Service) at [^:]+:(\d+)', line)
        if m:
            ports[m.group(1)] = int(m.group(2))
    if len(ports) < 3:
        proc.kill()
        sys.exit('larch serve did not start:\n' + ''.join(lines))
    threading.Thread(target=lambda: [None for _ in proc.stdout], daemon=True).start()  # keep draining its log
    return proc, ports['HTTPService'], ports['GRPCInferenceService'], ports['Metrics Service']


def close(got, expected, tolerance, what):
    got = np.asarray(got)
    if got.shape != expected.shape:
        raise AssertionError(f'{what}: shape {got.shape} != expected {expected.shape}')
    if expected.dtype.kind in 'iu':
        if not np.array_equal(got, expected):
            raise AssertionError(f'{what}: integer values differ')
        return
    g, e = got.astype(np.float64), expected.astype(np.float64)
    ok = (np.abs(g - e) <= tolerance['abs'] + tolerance['rel'] * np.abs(e)) | (np.isnan(g) & np.isnan(e))
    if not ok.all():
        i = int(np.argmin(ok.reshape(-1)))
        raise AssertionError(f'{what}: element {i}: {g.reshape(-1)[i]} != {e.reshape(-1)[i]}')


def np_to_triton(array):
    return {np.dtype(np.float32): 'FP32', np.dtype(np.float64): 'FP64', np.dtype(np.int64): 'INT64'}[array.dtype]


def make_inputs(client_module, inputs, rows, binary=True):
    made = []
    for name, array in inputs.items():
        part = np.ascontiguousarray(array[rows])
        tensor = client_module.InferInput(name, list(part.shape), np_to_triton(part))
        if client_module is httpclient:
            tensor.set_data_from_numpy(part, binary_data=binary)
        else:
            tensor.set_data_from_numpy(part)
        made.append(tensor)
    return made


def check_predictions(result, expected, tolerance, rows, what):
    for name, array in expected.items():
        close(result.as_numpy(name), array[rows], tolerance, f'{what} {name}')


def http_checks(checks, url, served, metrics_port):
    client = httpclient.InferenceServerClient(url, concurrency=8)
    print(f'tritonclient.http against {url}')

    def health():
        assert client.is_server_live(), 'not live'
        assert client.is_server_ready(), 'not ready'
        meta = client.get_server_metadata()
        assert meta['name'] and meta['version'] and isinstance(meta['extensions'], list), meta
    checks.run('http: is_server_live / is_server_ready / get_server_metadata', health)

    def metadata():
        for model, (inputs, expected, _, _) in served.items():
            assert client.is_model_ready(model), f'{model} not ready'
            assert client.is_model_ready(model, '1'), f'{model} version 1 not ready'
            meta = client.get_model_metadata(model)
            assert meta['name'] == model and '1' in meta['versions'], meta
            assert sorted(i['name'] for i in meta['inputs']) == sorted(inputs), meta
            assert sorted(o['name'] for o in meta['outputs']) == sorted(expected), meta
            meta_v = client.get_model_metadata(model, '1')
            assert meta_v['name'] == model, meta_v
            config = client.get_model_config(model)
            assert config['name'] == model, config
            assert [i['name'] for i in config['input']], config
    checks.run('http: is_model_ready / get_model_metadata / get_model_config, every model', metadata)

    def infer(binary_in, binary_out):
        def run():
            for model, (inputs, expected, tolerance, _) in served.items():
                rows = rows_for(model, 3, 37)
                outputs = [httpclient.InferRequestedOutput(name, binary_data=binary_out) for name in expected]
                result = client.infer(model, make_inputs(httpclient, inputs, rows, binary_in), outputs=outputs, request_id='r-42')
                response = result.get_response()
                assert response['model_name'] == model and response['id'] == 'r-42', response
                check_predictions(result, expected, tolerance, rows, model)
                # No outputs named: every output comes back (JSON unless binary_data_output).
                result = client.infer(model, make_inputs(httpclient, inputs, slice(0, 1), binary_in))
                check_predictions(result, expected, tolerance, slice(0, 1), model + ' (all outputs)')
        return run
    for binary_in in (False, True):
        for binary_out in (False, True):
            checks.run(f'http: infer, inputs {"binary" if binary_in else "JSON"}, outputs {"binary" if binary_out else "JSON"}, every model',
                       infer(binary_in, binary_out))

    def whole_fixture():
        for model, (inputs, expected, tolerance, _) in served.items():
            rows = rows_for(model, 0, next(iter(inputs.values())).shape[0])
            result = client.infer(model, make_inputs(httpclient, inputs, rows))
            check_predictions(result, expected, tolerance, rows, model)
    checks.run('http: infer all fixture rows in one request (up to max_batch_size)', whole_fixture)

    def missing_values():
        inputs, expected, tolerance, _ = served['xgb_json_proba']
        x = inputs['input__0']
        nan_rows = np.where(np.isnan(x).any(axis=1))[0][:20]
        assert len(nan_rows), 'fixture has no NaN rows'
        for binary in (False, True):
            result = client.infer('xgb_json_proba', make_inputs(httpclient, inputs, nan_rows, binary))
            close(result.as_numpy('output__0'), expected['output__0'][nan_rows], tolerance, 'NaN rows')
    checks.run('http: NaN inputs (JSON NaN tokens and binary)', missing_values)

    def classification():
        inputs, expected, _, _ = served['xgb_multi']
        rows = slice(0, 5)
        for binary in (False, True):
            out = httpclient.InferRequestedOutput('output__0', binary_data=binary, class_count=2)
            result = client.infer('xgb_multi', make_inputs(httpclient, inputs, rows), outputs=[out])
            got = result.as_numpy('output__0')
            assert got.shape == (5, 2), got.shape
            for r in range(5):
                probs = expected['output__0'][r]
                top = np.argsort(-probs, kind='stable')[:2]
                for k in range(2):
                    text = got[r][k].decode() if isinstance(got[r][k], bytes) else str(got[r][k])
                    score, index = text.split(':')[:2]
                    assert int(index) == int(top[k]), (text, top)
                    assert abs(float(score) - probs[top[k]]) < 1e-5, (text, probs)
    checks.run('http: classification extension (class_count), JSON and binary', classification)

    def compression():
        inputs, expected, tolerance, _ = served['lgb_reg']
        rows = slice(10, 30)
        for algorithm in ('gzip', 'deflate'):
            result = client.infer('lgb_reg', make_inputs(httpclient, inputs, rows), request_compression_algorithm=algorithm,
                                  response_compression_algorithm=algorithm)
            check_predictions(result, expected, tolerance, rows, f'lgb_reg {algorithm}')
    checks.run('http: request_compression_algorithm / response_compression_algorithm gzip and deflate', compression)

    def async_infer():
        pending = []
        for model, (inputs, expected, tolerance, _) in served.items():
            for start in range(0, 40, 5):
                rows = rows_for(model, start, 5)
                pending.append((client.async_infer(model, make_inputs(httpclient, inputs, rows)), model, expected, tolerance, rows))
        for request, model, expected, tolerance, rows in pending:
            check_predictions(request.get_result(), expected, tolerance, rows, model)
    checks.run('http: async_infer, many in flight', async_infer)

    def options():
        inputs, expected, tolerance, _ = served['xgb_reg']
        rows = slice(0, 4)
        result = client.infer('xgb_reg', make_inputs(httpclient, inputs, rows), model_version='1', headers={'X-Test': '1'},
                              query_params={'trace': 'no'}, priority=1, timeout=10_000_000,
                              parameters={'custom_key': 'value'})
        check_predictions(result, expected, tolerance, rows, 'xgb_reg with options')
    checks.run('http: infer with model_version, headers, query_params, priority, timeout, parameters', options)

    def statistics():
        stats = client.get_inference_statistics('xgb_reg')
        entry = stats['model_stats'][0]
        assert entry['name'] == 'xgb_reg' and entry['inference_count'] > 0, entry
        assert entry['inference_stats']['success']['count'] > 0, entry
        everything = client.get_inference_statistics()
        assert len(everything['model_stats']) >= len(served), everything
    checks.run('http: get_inference_statistics (one model and all)', statistics)

    def repository():
        index = client.get_model_repository_index()
        names = {m['name'] for m in index}
        assert set(served) <= names, index
        client.unload_model('xgb_reg')
        deadline = time.time() + 10
        while client.is_model_ready('xgb_reg') and time.time() < deadline:
            time.sleep(0.05)
        assert not client.is_model_ready('xgb_reg'), 'still ready after unload'
        try:
            client.infer('xgb_reg', make_inputs(httpclient, served['xgb_reg'][0], slice(0, 1)))
            raise AssertionError('infer on an unloaded model succeeded')
        except InferenceServerException:
            pass
        client.load_model('xgb_reg')
        assert client.is_model_ready('xgb_reg'), 'not ready after load'
        # Load with a config override, as tritonclient's load_model(config=...) sends it.
        config = client.get_model_config('xgb_reg')
        config['max_batch_size'] = 16
        config['dynamic_batching']['preferred_batch_size'] = [16]  # it was completed as the old max_batch_size
        client.load_model('xgb_reg', config=json.dumps(config))
        assert client.get_model_config('xgb_reg')['max_batch_size'] == 16, 'override not applied'
        inputs, expected, tolerance, _ = served['xgb_reg']
        check_predictions(client.infer('xgb_reg', make_inputs(httpclient, inputs, slice(0, 16))), expected, tolerance, slice(0, 16), 'after reload')
        # Load with the model file itself sent by the client (files={"file:1/...": bytes}).
        with open(os.path.join(FIXTURES, 'xgboost', os.path.basename(CASES['xgb_reg_squarederror.value']['model_file'])), 'rb') as f:
            model_bytes = f.read()
        config['name'] = 'xgb_uploaded'
        client.load_model('xgb_uploaded', config=json.dumps(config), files={'file:1/xgboost.json': model_bytes})
        check_predictions(client.infer('xgb_uploaded', make_inputs(httpclient, inputs, slice(0, 8))), expected, tolerance, slice(0, 8), 'uploaded model')
        client.unload_model('xgb_uploaded')
        client.load_model('xgb_reg')  # back to config.pbtxt, as Triton does on a load without a config
        assert client.get_model_config('xgb_reg')['max_batch_size'] == 512, 'config.pbtxt not read again'
    checks.run('http: get_model_repository_index / unload_model / load_model (plain, config override, files)', repository)

    def errors():
        cases = [
            ('unknown model', lambda: client.infer('no_such_model', make_inputs(httpclient, served['xgb_reg'][0], slice(0, 1))), 'no_such_model'),
            ('unknown version', lambda: client.infer('xgb_reg', make_inputs(httpclient, served['xgb_reg'][0], slice(0, 1)), model_version='7'), '7'),
            ('wrong width', lambda: client.infer('xgb_reg', make_inputs(httpclient, {'input__0': served['lgb_multi'][0]['input__0']}, slice(0, 1))), 'input__0'),
            ('wrong dtype', lambda: client.infer('xgb_reg', make_inputs(httpclient, {'input__0': served['xgb_reg'][0]['input__0'].astype(np.float64)}, slice(0, 1))), 'FP'),
            ('unknown output', lambda: client.infer('xgb_reg', make_inputs(httpclient, served['xgb_reg'][0], slice(0, 1)), outputs=[httpclient.InferRequestedOutput('nope')]), 'nope'),
            ('metadata of unknown model', lambda: client.get_model_metadata('no_such_model'), 'no_such_model'),
        ]
        for what, call, needle in cases:
            try:
                call()
            except InferenceServerException as error:
                assert needle in str(error), f'{what}: message does not name {needle!r}: {error}'
                continue
            raise AssertionError(f'{what}: no error')
        assert client.is_server_live(), 'server not live after bad requests'
    checks.run('http: errors come back as InferenceServerException naming the problem', errors)

    def logging():
        settings = client.get_log_settings()
        assert settings['log_verbose_level'] == 0 and settings['log_info'] is True, settings
        updated = client.update_log_settings({'log_verbose_level': 1})
        assert updated['log_verbose_level'] == 1, updated
        client.update_log_settings({'log_verbose_level': 0})
    checks.run('http: get_log_settings / update_log_settings (logging extension)', logging)

    def metrics():
        import urllib.request
        text = urllib.request.urlopen(f'http://127.0.0.1:{metrics_port}/metrics').read().decode()
        for name in ('nv_inference_request_success', 'nv_inference_count', 'nv_inference_exec_count',
                     'nv_inference_request_duration_us', 'nv_inference_queue_duration_us'):
            assert re.search(rf'^{name}{{[^}}]*model="xgb_reg"', text, re.M), f'{name} missing'
    checks.run('metrics: Triton names labelled by model', metrics)
    client.close()


def grpc_checks(checks, url, served):
    client = grpcclient.InferenceServerClient(url)
    print(f'tritonclient.grpc against {url}')

    def health():
        assert client.is_server_live() and client.is_server_ready()
        meta = client.get_server_metadata()
        assert meta.name and meta.version, meta
        assert client.get_server_metadata(as_json=True)['name'] == meta.name
    checks.run('grpc: is_server_live / is_server_ready / get_server_metadata (proto and JSON)', health)

    def metadata():
        for model, (inputs, expected, _, _) in served.items():
            assert client.is_model_ready(model) and client.is_model_ready(model, '1'), model
            meta = client.get_model_metadata(model)
            assert meta.name == model and sorted(i.name for i in meta.inputs) == sorted(inputs), meta
            assert sorted(o.name for o in meta.outputs) == sorted(expected), meta
            config = client.get_model_config(model).config
            assert config.name == model and len(config.input) == len(inputs), config
            as_json = client.get_model_config(model, as_json=True)
            assert as_json['config']['name'] == model, as_json
    checks.run('grpc: is_model_ready / get_model_metadata / get_model_config, every model', metadata)

    def infer():
        for model, (inputs, expected, tolerance, _) in served.items():
            rows = rows_for(model, 7, 29)
            outputs = [grpcclient.InferRequestedOutput(name) for name in expected]
            result = client.infer(model, make_inputs(grpcclient, inputs, rows), outputs=outputs, request_id='g-1')
            response = result.get_response()
            assert response.model_name == model and response.id == 'g-1', response
            check_predictions(result, expected, tolerance, rows, model)
            result = client.infer(model, make_inputs(grpcclient, inputs, slice(0, 1)))
            check_predictions(result, expected, tolerance, slice(0, 1), model + ' (all outputs)')
            assert result.get_response(as_json=True)['model_name'] == model
    checks.run('grpc: infer, every model', infer)

    def classification():
        inputs, expected, _, _ = served['lgb_multi']
        result = client.infer('lgb_multi', make_inputs(grpcclient, inputs, slice(0, 4)),
                              outputs=[grpcclient.InferRequestedOutput('output__0', class_count=3)])
        got = result.as_numpy('output__0')
        assert got.shape == (4, 3), got.shape
        for r in range(4):
            index = int(got[r][0].decode().split(':')[1])
            assert index == int(np.argmax(expected['output__0'][r])), got[r]
    checks.run('grpc: classification extension (class_count)', classification)

    def compression():
        inputs, expected, tolerance, _ = served['tl_rf3']
        for algorithm in ('gzip', 'deflate'):
            result = client.infer('tl_rf3', make_inputs(grpcclient, inputs, slice(0, 9)), compression_algorithm=algorithm)
            check_predictions(result, expected, tolerance, slice(0, 9), f'tl_rf3 {algorithm}')
    checks.run('grpc: compression_algorithm gzip and deflate', compression)

    def async_infer():
        results = queue.Queue()
        count = 0
        for model, (inputs, expected, tolerance, _) in served.items():
            for start in range(0, 30, 6):
                rows = rows_for(model, start, 6)
                client.async_infer(model, make_inputs(grpcclient, inputs, rows),
                                   callback=lambda result, error, m=model, e=expected, t=tolerance, r=rows: results.put((result, error, m, e, t, r)))
                count += 1
        for _ in range(count):
            result, error, model, expected, tolerance, rows = results.get(timeout=30)
            if error:
                raise error
            check_predictions(result, expected, tolerance, rows, model)
    checks.run('grpc: async_infer with callbacks, many in flight', async_infer)

    def stream():
        results = queue.Queue()
        client.start_stream(callback=lambda result, error: results.put((result, error)))
        sent = {}
        for i, (model, (inputs, expected, tolerance, _)) in enumerate(served.items()):
            rows = slice(i, i + 3)
            client.async_stream_infer(model, make_inputs(grpcclient, inputs, rows), request_id=f's{i}')
            sent[f's{i}'] = (model, expected, tolerance, rows)
        client.async_stream_infer('no_such_model', make_inputs(grpcclient, served['xgb_reg'][0], slice(0, 1)), request_id='bad')
        errors = 0
        for _ in range(len(sent) + 1):
            result, error = results.get(timeout=30)
            if error is not None:
                errors += 1
                assert 'no_such_model' in str(error), error
                continue
            model, expected, tolerance, rows = sent.pop(result.get_response().id)
            check_predictions(result, expected, tolerance, rows, f'stream {model}')
        client.stop_stream()
        assert errors == 1 and not sent, (errors, sent)
    checks.run('grpc: start_stream / async_stream_infer / stop_stream, with one bad request on the stream', stream)

    def statistics():
        stats = client.get_inference_statistics('lgb_multi')
        entry = stats.model_stats[0]
        assert entry.name == 'lgb_multi' and entry.inference_count > 0 and entry.inference_stats.success.count > 0, stats
        assert client.get_inference_statistics(as_json=True)['model_stats']
    checks.run('grpc: get_inference_statistics', statistics)

    def repository():
        index = client.get_model_repository_index()
        assert set(served) <= {m.name for m in index.models}, index
        client.unload_model('lgb_reg')
        deadline = time.time() + 10
        while client.is_model_ready('lgb_reg') and time.time() < deadline:
            time.sleep(0.05)
        assert not client.is_model_ready('lgb_reg')
        client.load_model('lgb_reg')
        assert client.is_model_ready('lgb_reg')
        config = client.get_model_config('lgb_reg', as_json=True)['config']
        config['max_batch_size'] = 8
        config['dynamic_batching']['preferred_batch_size'] = [8]
        client.load_model('lgb_reg', config=json.dumps(config))
        assert client.get_model_config('lgb_reg').config.max_batch_size == 8
        client.load_model('lgb_reg')
        assert client.get_model_config('lgb_reg').config.max_batch_size == 512
    checks.run('grpc: get_model_repository_index / unload_model / load_model (plain and config override)', repository)

    def logging():
        settings = client.get_log_settings(as_json=True)['settings']
        assert settings['log_format']['string_param'] == 'default', settings
        updated = client.update_log_settings({'log_format': 'ISO8601'}, as_json=True)['settings']
        assert updated['log_format']['string_param'] == 'ISO8601', updated
        client.update_log_settings({'log_format': 'default'})
    checks.run('grpc: get_log_settings / update_log_settings (logging extension)', logging)

    def errors():
        for what, call, needle, code in [
            ('unknown model', lambda: client.infer('no_such_model', make_inputs(grpcclient, served['xgb_reg'][0], slice(0, 1))), 'no_such_model', 'StatusCode.NOT_FOUND'),
            ('wrong width', lambda: client.infer('xgb_reg', make_inputs(grpcclient, {'input__0': served['lgb_multi'][0]['input__0']}, slice(0, 1))), 'input__0', 'StatusCode.INVALID_ARGUMENT'),
            ('unknown model metadata', lambda: client.get_model_metadata('no_such_model'), 'no_such_model', 'StatusCode.NOT_FOUND'),
        ]:
            try:
                call()
            except InferenceServerException as error:
                assert needle in str(error), f'{what}: {error}'
                assert error.status() == code, f'{what}: status {error.status()} != {code}'
                continue
            raise AssertionError(f'{what}: no error')
        assert client.is_server_live()
    checks.run('grpc: errors come back as InferenceServerException with the right status', errors)
    client.close()


def aio_checks(checks, http_url, grpc_url, served):
    """The asyncio clients (tritonclient.http.aio on aiohttp, tritonclient.grpc.aio), many calls at once."""
    import asyncio
    try:
        import tritonclient.grpc.aio as grpcaio
        import tritonclient.http.aio as httpaio
    except ImportError as error:
        checks.run('aio clients importable', lambda: (_ for _ in ()).throw(error))
        return
    print('tritonclient.http.aio and tritonclient.grpc.aio')

    async def one(client, module, model, start):
        inputs, expected, tolerance, _ = served[model]
        rows = rows_for(model, start, 3)
        result = await client.infer(model, make_inputs(module, inputs, rows))
        check_predictions(result, expected, tolerance, rows, f'aio {model}')

    async def run(client, module):
        assert await client.is_server_ready()
        assert await client.is_model_ready('xgb_multi')
        await client.get_model_metadata('xgb_multi')
        await client.get_model_config('xgb_multi')
        await asyncio.gather(*[one(client, module, model, start) for model in served for start in range(0, 24, 3)])
        await client.get_inference_statistics('xgb_multi')
        await client.close()

    # Each client is made inside the loop that uses it (aiohttp binds its session to that loop).
    async def http():
        await run(httpaio.InferenceServerClient(http_url), httpclient)

    async def grpc():
        await run(grpcaio.InferenceServerClient(grpc_url), grpcclient)
    checks.run('http.aio: health, metadata, config, concurrent infer on every model, statistics', lambda: asyncio.run(http()))
    checks.run('grpc.aio: health, metadata, config, concurrent infer on every model, statistics', lambda: asyncio.run(grpc()))


def shm_checks(checks, http_url, grpc_url, served):
    """Triton's system shared-memory extension with tritonclient.utils.shared_memory, over both
    protocols: inputs read from and outputs written to regions, mixed with ordinary tensors."""
    import tritonclient.utils.shared_memory as shm
    print('system shared memory (tritonclient.utils.shared_memory)')
    model = 'onnx_two_inputs_two_outputs'   # inputs x (FP32) and k (INT64), outputs y and z
    inputs, expected, tolerance, _ = served[model]
    rows = slice(0, 4)
    x, k = inputs['x'][rows], inputs['k'][rows]
    y, z = expected['y'][rows], expected['z'][rows]

    def run(module, client, tag):
        in_handle = shm.create_shared_memory_region(f'{tag}_in', f'/larch_check_{tag}_in', x.nbytes + 64)
        out_handle = shm.create_shared_memory_region(f'{tag}_out', f'/larch_check_{tag}_out', y.nbytes + z.nbytes + 64)
        try:
            shm.set_shared_memory_region(in_handle, [x], offset=64)
            client.unregister_system_shared_memory()
            client.register_system_shared_memory(f'{tag}_in', f'/larch_check_{tag}_in', x.nbytes + 64)
            client.register_system_shared_memory(f'{tag}_out', f'/larch_check_{tag}_out', y.nbytes + z.nbytes + 64)
            status = client.get_system_shared_memory_status()
            names = {r['name'] for r in status} if isinstance(status, list) else set(status.regions)
            assert {f'{tag}_in', f'{tag}_out'} <= names, status
            # x from shared memory, k inline; y to shared memory (at an offset), z inline.
            tx = module.InferInput('x', list(x.shape), 'FP32')
            tx.set_shared_memory(f'{tag}_in', x.nbytes, offset=64)
            tk = module.InferInput('k', list(k.shape), 'INT64')
            tk.set_data_from_numpy(k)
            oy = module.InferRequestedOutput('y')
            oy.set_shared_memory(f'{tag}_out', y.nbytes, offset=z.nbytes)
            oz = module.InferRequestedOutput('z')
            result = client.infer(model, [tx, tk], outputs=[oy, oz])
            close(result.as_numpy('z'), z, tolerance, f'{tag} z (inline, after a shared-memory output)')
            out = result.get_output('y')
            shape = list(out['shape'] if isinstance(out, dict) else out.shape)
            got = shm.get_contents_as_numpy(out_handle, np.float32, shape, offset=z.nbytes)
            close(got, y, tolerance, f'{tag} y (from shared memory)')
            # A region too small for the output is refused, and the server keeps serving.
            small = module.InferRequestedOutput('y')
            small.set_shared_memory(f'{tag}_out', 4)
            try:
                client.infer(model, [tx, tk], outputs=[small])
                raise AssertionError('an output larger than its region was accepted')
            except InferenceServerException as error:
                assert 'shared_memory_byte_size' in str(error) or 'region' in str(error), error
            client.unregister_system_shared_memory(f'{tag}_in')
            try:
                client.infer(model, [tx, tk], outputs=[oz])
                raise AssertionError('an unregistered region was accepted')
            except InferenceServerException as error:
                assert f'{tag}_in' in str(error), error
            client.unregister_system_shared_memory()
            status = client.get_system_shared_memory_status()
            assert (len(status) if isinstance(status, list) else len(status.regions)) == 0, status
        finally:
            shm.destroy_shared_memory_region(in_handle)
            shm.destroy_shared_memory_region(out_handle)

    http = httpclient.InferenceServerClient(http_url)
    checks.run('http: system shared memory register / status / infer (mixed inputs and outputs) / unregister', lambda: run(httpclient, http, 'h'))
    grpc = grpcclient.InferenceServerClient(grpc_url)
    checks.run('grpc: system shared memory register / status / infer (mixed inputs and outputs) / unregister', lambda: run(grpcclient, grpc, 'g'))

    def cuda():
        for client in (http, grpc):
            try:
                client.register_cuda_shared_memory('gpu', b'\0' * 64, 0, 64)
                raise AssertionError('CUDA shared memory was accepted')
            except InferenceServerException as error:
                assert 'CUDA' in str(error), error
    checks.run('http and grpc: CUDA shared memory is refused with a clear error', cuda)


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument('--keep', action='store_true', help='keep the temporary model repository')
    args = parser.parse_args()
    global CASES
    CASES = {c['id']: c for c in json.load(open(os.path.join(FIXTURES, 'MANIFEST.json')))['cases']}
    repository = tempfile.mkdtemp(prefix='larch-tritonclient-')
    served = build_repository(repository, CASES)
    proc, http_port, grpc_port, metrics_port = start_server(repository)
    checks = Checks()
    try:
        http_checks(checks, f'127.0.0.1:{http_port}', served, metrics_port)
        grpc_checks(checks, f'127.0.0.1:{grpc_port}', served)
        aio_checks(checks, f'127.0.0.1:{http_port}', f'127.0.0.1:{grpc_port}', served)
        shm_checks(checks, f'127.0.0.1:{http_port}', f'127.0.0.1:{grpc_port}', served)
    finally:
        proc.send_signal(signal.SIGTERM)
        code = proc.wait(timeout=60)
        if not args.keep:
            shutil.rmtree(repository, ignore_errors=True)
    print(f'{checks.passed} passed, {len(checks.failed)} failed; larch exited {code} on SIGTERM')
    if code != 0:
        checks.failed.append('exit code on SIGTERM')
    sys.exit(1 if checks.failed else 0)


if __name__ == '__main__':
    main()
