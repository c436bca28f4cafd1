"""The batch workflow's contract as the DAG sees it (SPEC section 4, "Temporal").

The workflow is written in TypeScript and runs on the worker; Airflow depends only on these names
and JSON shapes, so they live in one place.
"""

from __future__ import annotations

from typing import Final

WORKFLOW_TYPE: Final = "batchTrainingWorkflow"
DEFAULT_TASK_QUEUE: Final = "movie-rec-batch"
WORKFLOW_ID_PREFIX: Final = "movie-rec-batch-"

#: Query the workflow answers with {"stage", "completed_stages", "counts"}.
PROGRESS_QUERY: Final = "progress"
#: The value of "stage" once every activity has run.
COMPLETED_STAGE: Final = "completed"

#: The workflow's stages, in the order they start.
STAGES: Final[tuple[str, ...]] = (
    "validateData",
    "extractFeatures",
    "publishFeatures",
    "trainModel",
    "evaluateModel",
    "deployModel",
    "reloadApi",
)

#: Each stage's upstream stages: publishFeatures (DynamoDB) runs beside the training, and nothing
#: downstream of it waits for it.
STAGE_UPSTREAM: Final[dict[str, tuple[str, ...]]] = {
    "validateData": (),
    "extractFeatures": ("validateData",),
    "publishFeatures": ("extractFeatures",),
    "trainModel": ("extractFeatures",),
    "evaluateModel": ("trainModel",),
    "deployModel": ("evaluateModel",),
    "reloadApi": ("deployModel",),
}

#: Keys of the workflow result that the DAG hands on through XCom (small: no model bytes).
RESULT_KEYS: Final[tuple[str, ...]] = ("model_version", "deployed", "metrics", "gate", "stages")


def workflow_id(run_date: str) -> str:
    """One workflow id per logical date, so a rerun of the date finds the same workflow."""
    return f"{WORKFLOW_ID_PREFIX}{run_date}"
