"""Bridge between Airflow and the Temporal batch workflow: hook, operators and triggers.

There is no official Airflow provider for Temporal; this package is the project's own. It imports
temporalio only inside task and trigger code, so parsing a DAG that uses it opens no connection.
"""

from .contract import STAGE_UPSTREAM, STAGES, WORKFLOW_TYPE, workflow_id
from .hook import TemporalHook, TemporalSettings, settings_from_connection
from .operators import TemporalWorkflowOperator, WorkflowStageSensor
from .result_trigger import WorkflowResultTrigger
from .stage_trigger import WorkflowStageTrigger

__all__ = [
    "STAGES",
    "STAGE_UPSTREAM",
    "WORKFLOW_TYPE",
    "TemporalHook",
    "TemporalSettings",
    "TemporalWorkflowOperator",
    "WorkflowResultTrigger",
    "WorkflowStageSensor",
    "WorkflowStageTrigger",
    "settings_from_connection",
    "workflow_id",
]
