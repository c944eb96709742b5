"""Sweeps: many runs launched by a Hydra launcher (basic, joblib, Ray, SLURM), resumable and aggregated.

One idea per module: `sweep_dir` (a sweep's directory from its arguments),
`job` (one run inside a sweep: skip if finished, record a failure and go on),
`threads` (a run's torch threads from the launcher's cores per run), `status`
(done / running / failed of a sweep directory), `callback` (Hydra callback that
reports progress and the failed runs), `stop` (SIGTERM stops a sweep like Ctrl-C).
"""
