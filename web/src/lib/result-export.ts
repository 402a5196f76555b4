// Exporting a task's result from its page: the op 400 task that writes the file (same dataset, filter and analysis,
// or the same rows), and where a study's file is built. The page waits for the task itself (result-export.svelte).
import { type ExportFormat, ROUTES, type TaskView } from '@simpul/protocol';

export const EXPORT_CHOICES: Record<'analysis' | 'rows', { format: ExportFormat; label: string }[]> = {
  analysis: [
    { format: 'pdf', label: 'PDF report' },
    { format: 'xlsx', label: 'Excel (xlsx)' },
    { format: 'csv', label: 'CSV (every part)' },
    { format: 'json', label: 'JSON (whole result)' },
    { format: 'parquet', label: 'Parquet (main table)' },
  ],
  rows: [
    { format: 'xlsx', label: 'Excel (xlsx)' },
    { format: 'pdf', label: 'PDF data report' },
    { format: 'csv', label: 'CSV (all matching rows)' },
    { format: 'json', label: 'JSON (all matching rows)' },
    { format: 'parquet', label: 'Parquet (all matching rows)' },
  ],
};

/** The op 400 task body for `task`'s result as `format`: an analysis is run again for the file, rows are all matches. */
export function exportRequest(task: TaskView, format: ExportFormat): Record<string, unknown> {
  const { dataset, where, ...rest } = task.params as Record<string, unknown>;
  const params: Record<string, unknown> = { dataset, format, source_task_id: task.task_id };
  if (where !== undefined) params.where = where;
  if (task.op === 300) params.analysis = rest;
  else if (rest.columns !== undefined) params.columns = rest.columns;
  const body: Record<string, unknown> = {
    op: 400,
    params,
    timeout_s: task.timeout_s,
    max_attempts: task.max_attempts,
  };
  if (task.target_runner_id) body.runner_id = task.target_runner_id;
  return body;
}

/** Where a study's file is built: `GET /api/v1/studies/{id}/export?format=`. */
export const studyExportUrl = (studyId: string, format: string) =>
  `${ROUTES.exportStudy.path.replace(':study_id', encodeURIComponent(studyId))}?format=${format}`;
