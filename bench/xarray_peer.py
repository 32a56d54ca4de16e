#!/usr/bin/python3
"""The xarray peer of the eocube benchmarks: a long-lived worker so Python start-up and imports are not timed.

Reads one JSON command per line on stdin, answers one JSON line on stdout with the time in milliseconds:
  {"op": "describe", "path": P}                 xarray.open_dataset(P) + repr(ds) + close
  {"op": "open", "path": P}                     keep xr.open_dataset(P, engine="zarr") open for reads
  {"op": "point", "var": V, "lat": i, "lon": j} ds[V].isel(lat=i, lon=j).values (a time series)
  {"op": "slice", "var": V, "time": t}          ds[V].isel(time=t).values (a full 2-D slice)
Run with Debian's /usr/bin/python3 (python3-xarray, python3-netcdf4, python3-zarr).
"""
import json, sys, time, warnings
import xarray as xr

warnings.filterwarnings("ignore")
opened = None
print(json.dumps({"ready": True, "xarray": xr.__version__}), flush=True)
for line in sys.stdin:
    cmd = json.loads(line)
    t0 = time.perf_counter()
    op = cmd["op"]
    info = {}
    if op == "describe":
        p = cmd["path"]
        ds = xr.open_dataset(p, engine="zarr" if p.endswith(".zarr") else None)
        info["repr_len"] = len(repr(ds))
        ds.close()
    elif op == "open":
        opened = xr.open_dataset(cmd["path"], engine="zarr")
    elif op == "point":
        info["n"] = int(opened[cmd["var"]].isel(lat=cmd["lat"], lon=cmd["lon"]).values.size)
    elif op == "slice":
        info["n"] = int(opened[cmd["var"]].isel(time=cmd["time"]).values.size)
    ms = (time.perf_counter() - t0) * 1000
    print(json.dumps({"ms": ms, **info}), flush=True)
