"""The FastAPI baseline of larch's founding article: a scikit-learn forest behind FastAPI/uvicorn.

Run: /usr/bin/python3 baseline_app.py MODEL.pkl PORT
POST /predict  {"data": [[f0, f1, ...], ...]}  ->  {"probabilities": [[p0, p1], ...]}
GET  /stats    server-side latency of every /predict handled so far (microseconds), measured by
               a timing middleware around the request handler (network excluded, as in the article).
"""
import pickle
import sys
import time

import numpy as np
import uvicorn
from fastapi import FastAPI, Request
from pydantic import BaseModel

model = pickle.load(open(sys.argv[1], 'rb'))
app = FastAPI()
server_us = []


class Rows(BaseModel):
    data: list[list[float]]


@app.middleware('http')
async def timing(request: Request, call_next):
    t0 = time.perf_counter()
    response = await call_next(request)
    if request.url.path == '/predict':
        server_us.append((time.perf_counter() - t0) * 1e6)
    return response


@app.post('/predict')
def predict(rows: Rows):
    x = np.asarray(rows.data, dtype=np.float32)
    return {'probabilities': model.predict_proba(x).tolist()}


@app.get('/stats')
def stats():
    out = list(server_us)
    server_us.clear()
    return {'server_us': out}


if __name__ == '__main__':
    uvicorn.run(app, host='127.0.0.1', port=int(sys.argv[2]), workers=1, log_level='warning', access_log=False)
