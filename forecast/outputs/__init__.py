"""Writing a run: one folder holds exactly one complete run (see ``rundir``)."""

from forecast.outputs.rundir import RunFolderError, run_folder, update_run

__all__ = ["RunFolderError", "run_folder", "update_run"]
