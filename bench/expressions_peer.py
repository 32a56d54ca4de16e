#!/usr/bin/python3
"""Peer of bench/expressions.ts: the same expressions over the same chunks with numpy (and numexpr when Debian has it).

usage: expressions_peer.py CUBE.zarr REPEATS
Loads conc_chl, conc_tsm, kd489, c2rcc_flags chunk by chunk (1x250x250 float64, each chunk a contiguous array),
then times each expression over all chunks; prints JSON {name: {"numpy": [ms...], "numexpr": [ms...]}}.
"""
import json
import sys
import time

import numpy as np
import zarr

try:
    import numexpr
except ImportError:  # not installed
    numexpr = None

cube, repeats = sys.argv[1], int(sys.argv[2])
g = zarr.open_group(cube, mode="r")
names = ["conc_chl", "conc_tsm", "kd489", "c2rcc_flags"]
chunks = []
t, h, w = g["conc_chl"].shape
for ti in range(t):
    for y in range(0, h, 250):
        for x in range(0, w, 250):
            chunks.append({n: np.ascontiguousarray(g[n][ti, y : y + 250, x : x + 250]) for n in names})

VALID = np.int64(-(2**31))


def ndvi_np(c):
    return (c["kd489"] - c["conc_chl"]) / (c["kd489"] + c["conc_chl"])


def ratio_np(c):
    return c["conc_chl"] / (c["conc_tsm"] + 1)


def masked_np(c):
    f = np.nan_to_num(c["c2rcc_flags"]).astype(np.int64)
    return np.where((f & VALID) != 0, c["conc_chl"] / (c["conc_tsm"] + 1), np.nan)


cases = {
    "ndvi": (ndvi_np, "(kd489 - conc_chl) / (kd489 + conc_chl)"),
    "ratio": (ratio_np, "conc_chl / (conc_tsm + 1)"),
    "masked": (masked_np, None),
}
out = {}
for name, (fn, ne) in cases.items():
    res = {"numpy": [], "numexpr": []}
    for c in chunks:
        fn(c)
    for _ in range(repeats):
        t0 = time.perf_counter()
        for c in chunks:
            fn(c)
        res["numpy"].append((time.perf_counter() - t0) * 1000)
        if numexpr is not None and ne is not None:
            t0 = time.perf_counter()
            for c in chunks:
                numexpr.evaluate(ne, local_dict=c)
            res["numexpr"].append((time.perf_counter() - t0) * 1000)
    out[name] = res
out["_versions"] = {"numpy": np.__version__, "numexpr": numexpr.__version__ if numexpr else None, "chunks": len(chunks)}
print(json.dumps(out))
