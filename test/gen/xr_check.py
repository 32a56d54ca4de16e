#!/usr/bin/python3
"""Opens an eocube gen output with xarray (Debian's) and reports what the gen tests assert.

usage: xr_check.py OUTPUT.zarr MODE [ARGS...]
  summary                     dims, coords (first/last/size), global attrs, variables (dims, dtype, attrs)
  ostia VAR                   max |out − nearest OSTIA value| over all pixels and times (xarray reference:
                              the three OSTIA files stacked, lon rolled to −180…180, .sel(method="nearest"))
  resample VAR FREQ METHOD    agreement of VAR with xarray's own `resample(time=FREQ).METHOD()` of the real
                              Zarr cube (cube-1-250-250.zarr): shape, dtype, max |diff|, NaN mismatches
  coarsen VAR F               agreement of VAR with xarray's `coarsen(lat=F, lon=F).mean()` of the whole real
                              Zarr cube (NaN-skipping block means; all-NaN blocks → NaN)
  range VAR                   VAR's attrs valid_min/valid_max next to its data's min and max (xarray decoded),
                              and those of the 2017-06-05 OSTIA file read by xarray unpacked by hand (CF §8.1)
  level1                      level 1 of a pyramid of the real Zarr cube vs xarray: c2rcc_flags equal to
                              [::2, ::2] (first), conc_chl vs coarsen(2).mean() (max |diff|)
  olci_times                  the output's global attrs and the OLCI file's start_date/stop_date parsed by pandas
                              (ISO, milliseconds, "Z")
  cfcrs EPSG                  the output's `crs` variable vs GDAL: CF grid-mapping attributes that GDAL's netCDF
                              driver writes for EPSG:<EPSG> (names and values, |diff| < 1e-9), the EPSG code GDAL
                              identifies in crs_wkt, and whether points transform through it as through EPSG:<EPSG>
  sample VAR T STEP           values of VAR at time index T (or -1 = no time), every STEP-th pixel
Prints one JSON document; NaN → null.
"""
import glob
import json
import os
import sys

import numpy as np
import xarray as xr

out = xr.open_zarr(sys.argv[1])
mode = sys.argv[2]
DATA = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "data"))


def clean(a):
    return [None if not np.isfinite(v) else float(v) for v in np.asarray(a, dtype="float64").ravel()]


def jsonable(v):
    if isinstance(v, (np.integer,)):
        return int(v)
    if isinstance(v, (np.floating,)):
        return None if not np.isfinite(v) else float(v)
    if isinstance(v, np.ndarray):
        return v.tolist()
    return v


if mode == "summary":
    doc = {
        "dims": {k: int(v) for k, v in out.sizes.items()},
        "coords": {k: {"size": int(c.size), "first": str(c.values.ravel()[0]), "last": str(c.values.ravel()[-1]), "dims": list(c.dims)} for k, c in out.coords.items()},
        "attrs": {k: jsonable(v) for k, v in out.attrs.items()},
        "variables": {k: {"dims": list(v.dims), "dtype": str(v.dtype), "attrs": {a: jsonable(b) for a, b in v.attrs.items()}} for k, v in out.data_vars.items()},
    }
elif mode == "ostia":
    var = sys.argv[3]
    files = sorted(glob.glob(os.path.join(DATA, "netcdf3", "2017060[567]*OSTIAanom*.nc")))
    src = xr.open_mfdataset(files, combine="by_coords")
    src = src.assign_coords(lon=(((src.lon + 180) % 360) - 180)).sortby("lon")
    ref = src[var].sel(time=out.time, lat=out.lat, lon=out.lon, method="nearest").values
    a = out[var].values
    both = np.isfinite(a) & np.isfinite(ref)
    doc = {"n": int(both.sum()), "max_diff": float(np.max(np.abs(a[both] - ref[both]))) if both.any() else None,
           "nan_mismatch": int((np.isfinite(a) != np.isfinite(ref)).sum()), "size": int(a.size)}
elif mode == "resample":
    var, freq, meth = sys.argv[3], sys.argv[4], sys.argv[5]
    src = xr.open_zarr(os.path.join(DATA, "zarr", "cube-1-250-250.zarr"))[var].load()
    ref = getattr(src.resample(time=freq), meth)()
    a, b = out[var].values, ref.values
    same = a.shape == b.shape
    both = np.isfinite(a) & np.isfinite(b) if same else None
    doc = {"shape": list(a.shape), "ref_shape": list(b.shape), "dtype": str(a.dtype),
           "time_equal": bool(same and np.array_equal(out.time.values, ref.time.values)),
           "n": int(both.sum()) if same else 0,
           "max_diff": float(np.max(np.abs(a[both].astype("float64") - b[both]))) if same and both.any() else None,
           "nan_mismatch": int((np.isfinite(a) != np.isfinite(b)).sum()) if same else None,
           "fill_value": jsonable(out[var].encoding.get("_FillValue"))}
elif mode == "coarsen":
    var, f = sys.argv[3], int(sys.argv[4])
    ref = xr.open_zarr(os.path.join(DATA, "zarr", "cube-1-250-250.zarr"))[var].coarsen(lat=f, lon=f).mean().load()
    a, b = out[var].values, ref.values
    both = np.isfinite(a) & np.isfinite(b)
    doc = {"shape": list(a.shape), "ref_shape": list(b.shape),
           "coord_diff": float(max(np.abs(out.lat.values - ref.lat.values).max(), np.abs(out.lon.values - ref.lon.values).max())),
           "n": int(both.sum()), "ref_nan": int((~np.isfinite(b)).sum()),
           "max_rel_diff": float(np.max(np.abs(a[both] - b[both]) / np.maximum(np.abs(b[both]), 1e-12))),
           "nan_mismatch": int((np.isfinite(a) != np.isfinite(b)).sum())}
elif mode == "range":
    var = sys.argv[3]
    src = xr.open_dataset(glob.glob(os.path.join(DATA, "netcdf3", "20170605*OSTIAanom*.nc"))[0])
    enc, at = src[var].encoding, src[var].attrs
    sc, off = enc.get("scale_factor", 1.0), enc.get("add_offset", 0.0)
    doc = {"valid_min": jsonable(out[var].attrs.get("valid_min")), "valid_max": jsonable(out[var].attrs.get("valid_max")),
           "data_min": float(out[var].min()), "data_max": float(out[var].max()),
           "ref_valid_min": float(at["valid_min"] * sc + off), "ref_valid_max": float(at["valid_max"] * sc + off)}
elif mode == "level1":
    src = xr.open_zarr(os.path.join(DATA, "zarr", "cube-1-250-250.zarr"))
    f_ref = src.c2rcc_flags.isel(lat=slice(None, None, 2), lon=slice(None, None, 2)).values
    m_ref = src.conc_chl.coarsen(lat=2, lon=2).mean().values
    a = out.conc_chl.values
    both = np.isfinite(a) & np.isfinite(m_ref)
    doc = {"flags_first_equal": bool(np.array_equal(out.c2rcc_flags.values, f_ref, equal_nan=True)),
           "mean_max_diff": float(np.max(np.abs(a[both] - m_ref[both]))) if (np.isfinite(a) == np.isfinite(m_ref)).all() else float("inf")}
elif mode == "olci_times":
    import pandas as pd
    src = xr.open_dataset(os.path.join(DATA, "netcdf4", "O_L2_0001_SNS_2017104102450_v1.0.nc"))
    iso = lambda s: pd.Timestamp(s).floor("ms").strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"
    doc = {"attrs": {k: jsonable(v) for k, v in out.attrs.items()}, "ref_start": iso(src.attrs["start_date"]), "ref_stop": iso(src.attrs["stop_date"])}
elif mode == "cfcrs":
    import tempfile
    from osgeo import gdal, osr
    code = int(sys.argv[3])
    ref_srs = osr.SpatialReference()
    ref_srs.ImportFromEPSG(code)
    with tempfile.TemporaryDirectory() as d:
        mem = gdal.GetDriverByName("MEM").Create("", 2, 2, 1, gdal.GDT_Float32)
        mem.SetProjection(ref_srs.ExportToWkt())
        mem.SetGeoTransform([0, 1, 0, 0, 0, -1])
        gdal.Translate(os.path.join(d, "ref.nc"), mem, format="netCDF")
        ref_ds = xr.open_dataset(os.path.join(d, "ref.nc"))
        ref = next(dict(ref_ds[k].attrs) for k in ref_ds.variables if "grid_mapping_name" in ref_ds[k].attrs)
    got = out.crs.attrs
    mismatches = []
    for k, v in ref.items():
        if k in ("long_name", "spatial_ref", "crs_wkt", "GeoTransform", "longitude_of_prime_meridian"):
            continue
        g = got.get(k)
        if isinstance(v, str):
            ok = g == v
        else:
            ok = g is not None and np.allclose(np.asarray(g, dtype="float64"), np.asarray(v, dtype="float64"), rtol=0, atol=1e-9)
        if not ok:
            mismatches.append(f"{k}: {g!r} != {v!r}")
    srs = osr.SpatialReference()
    parsed = "crs_wkt" in got and srs.ImportFromWkt(str(got["crs_wkt"])) == 0
    same = False
    if parsed:
        srs.AutoIdentifyEPSG()
        # the same CRS: WGS 84 points land on the same x/y (GIS axis order) through both
        wgs = osr.SpatialReference()
        wgs.ImportFromEPSG(4326)
        for s_ in (srs, ref_srs, wgs):
            s_.SetAxisMappingStrategy(osr.OAMS_TRADITIONAL_GIS_ORDER)
        pts = [(-10.0, 40.0), (10.5, 52.5), (30.0, 65.0)]
        a = [osr.CoordinateTransformation(wgs, srs).TransformPoint(*p_)[:2] for p_ in pts]
        b = [osr.CoordinateTransformation(wgs, ref_srs).TransformPoint(*p_)[:2] for p_ in pts]
        same = bool(np.allclose(a, b, rtol=0, atol=1e-3))
    doc = {"grid_mapping_name": got.get("grid_mapping_name"), "mismatches": mismatches,
           "wkt_same": same, "wkt_epsg": srs.GetAuthorityCode(None) if parsed else None,
           "proj4": got.get("proj4")}
elif mode == "sample":
    var, t, step = sys.argv[3], int(sys.argv[4]), int(sys.argv[5])
    v = out[var]
    if t >= 0:
        v = v.isel(time=t)
    a = v.values
    doc = {"shape": list(a.shape), "values": clean(a[..., ::step, ::step])}
else:
    raise SystemExit(f"unknown mode {mode}")
print(json.dumps(doc))
