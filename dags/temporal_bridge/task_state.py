"""Asks Airflow, from inside a running trigger, what state its task instance is in now.

Airflow 3.0 cancels a trigger both when a user marks the deferred task failed and when the
triggerer merely shuts down or hands the trigger to another triggerer. Only the first should
cancel the workflow, and only the task's current state tells them apart.
"""

from __future__ import annotations

from typing import Any

from asgiref.sync import sync_to_async


def _lookup_task_state(dag_id: str, run_id: str, task_id: str, map_index: int) -> str | None:
    from airflow.sdk.execution_time.task_runner import RuntimeTaskInstance

    states = RuntimeTaskInstance.get_task_states(
        dag_id=dag_id, task_ids=[task_id], run_ids=[run_id], map_index=map_index
    )
    key = task_id if map_index < 0 else f"{task_id}_{map_index}"
    state = states.get(run_id, {}).get(key)
    return None if state is None else str(getattr(state, "value", state))


async def current_task_state(task_instance: Any) -> str | None:
    """The task's state through the triggerer's Task SDK channel, or None when unknown."""
    if task_instance is None:
        return None
    # The Task SDK channel is synchronous; the triggerer expects it wrapped in sync_to_async.
    return await sync_to_async(_lookup_task_state)(
        task_instance.dag_id, task_instance.run_id, task_instance.task_id, task_instance.map_index
    )
