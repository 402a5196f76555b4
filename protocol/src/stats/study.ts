// Which round a study sends next, and its result once the last round is in. Pure: the hub stores `StudyState` between
// rounds, fans each round's params out to the sites as op 300 tasks, and hands the partials that came back to `advanceStudy`.
import { z } from 'zod';
import {
  FederatedError,
  FederatedStep,
  type FederatedPartial,
  type FederatedRoundParams,
  type PartialOf,
  type SitePartial,
  type StudyCreate,
} from '../federated.ts';
import { combineCorrelation, combineLinear, linearColumns } from './crossprod.ts';
import { combineGroups, groupValueColumns } from './groups.ts';
import { LogisticState, advanceLogistic, combineLogistic, logisticStart, poolNewton } from './logistic.ts';
import { combineHistogram, combineSummary, sharedBins } from './moments.ts';
import type { StudyResult } from '../federated-results.ts';

/** What the hub keeps between rounds. */
export const StudyState = z.object({
  round: z.number().int().min(1), // the round in flight
  step: FederatedStep,
  logistic: LogisticState.optional(),
});
export type StudyState = z.infer<typeof StudyState>;

export type StudyPlan =
  | { status: 'round'; params: FederatedRoundParams; state: StudyState }
  | { status: 'done'; result: StudyResult };

type DistributiveOmit<T, K extends PropertyKey> = T extends unknown ? Omit<T, K> : never;
type RoundBody = DistributiveOmit<FederatedRoundParams, 'analysis' | 'dataset' | 'study_id' | 'round' | 'where'>;

function nextRound(
  study_id: string,
  req: StudyCreate,
  round: number,
  body: RoundBody,
  logistic?: LogisticState,
): StudyPlan {
  const params = {
    analysis: 'federated_round',
    dataset: req.dataset,
    study_id,
    round,
    ...(req.where ? { where: req.where } : {}),
    ...body,
  } as FederatedRoundParams; // a RoundBody plus the envelope is exactly one of the round shapes
  return { status: 'round', params, state: { round, step: body.step, ...(logistic ? { logistic } : {}) } };
}

function distinct(names: string[], what: string): void {
  const twice = names.find((n, i) => names.indexOf(n) !== i);
  if (twice !== undefined) throw new FederatedError('invalid_params', `${what} names "${twice}" twice`);
}

/** Round 1 of a study. */
export function startStudy(study_id: string, req: StudyCreate): StudyPlan {
  switch (req.analysis) {
    case 'summary':
      return nextRound(study_id, req, 1, { step: 'moments', columns: req.columns });
    case 'histogram':
      return nextRound(study_id, req, 1, { step: 'range', columns: req.columns });
    case 'group_by':
      return nextRound(study_id, req, 1, {
        step: 'groups',
        group_by: req.group_by,
        columns: groupValueColumns(req),
        max_groups: req.max_groups,
      });
    case 'correlation':
      distinct(req.columns, 'columns');
      return nextRound(study_id, req, 1, { step: 'crossprod', columns: req.columns });
    case 'linear_regression':
      distinct(linearColumns(req), 'target and features together');
      return nextRound(study_id, req, 1, { step: 'crossprod', columns: linearColumns(req) });
    case 'logistic_regression': {
      distinct([req.target, ...req.features], 'target and features together');
      const logistic = logisticStart(req.features.length);
      const { target, positive, features } = req;
      return nextRound(
        study_id,
        req,
        1,
        {
          step: 'newton',
          target,
          ...(positive === undefined ? {} : { positive }),
          features,
          coefficients: logistic.coefficients,
        },
        logistic,
      );
    }
  }
}

/**
 * The next round, or the result, from the partials of the round in flight (one per site that delivered it; the hub
 * decides with `requirementMet` whether enough did). Partials of another study, round or step are refused.
 */
export function advanceStudy(
  study_id: string,
  req: StudyCreate,
  state: StudyState,
  parts: SitePartial<FederatedPartial>[],
): StudyPlan {
  if (parts.length === 0) throw new FederatedError('op_failed', `no site delivered round ${state.round}`);
  const of = <S extends FederatedStep>(step: S): SitePartial<PartialOf<S>>[] => {
    if (state.step !== step)
      throw new FederatedError('conflict', `a ${req.analysis} study has no "${state.step}" round here`);
    return parts.map(({ site, partial }) => {
      if (partial.study_id !== study_id || partial.round !== state.round || partial.step !== step) {
        throw new FederatedError(
          'conflict',
          `site ${site} answered ${partial.study_id} round ${partial.round} (${partial.step}); expected ${study_id} round ${state.round} (${step})`,
        );
      }
      return { site, partial: partial as PartialOf<S> };
    });
  };
  switch (req.analysis) {
    case 'summary':
      return { status: 'done', result: combineSummary(req, of('moments')) };
    case 'histogram': {
      if (state.step === 'range') {
        const ranges = of('range');
        const bins = sharedBins(req, ranges).filter((b) => b !== null);
        if (bins.length > 0) return nextRound(study_id, req, state.round + 1, { step: 'histogram', columns: bins });
        // No column has a value anywhere: nothing to count.
        const empty = ranges.map(({ site, partial }) => ({
          site,
          partial: { ...partial, step: 'histogram' as const, columns: [] },
        }));
        return { status: 'done', result: combineHistogram(req, empty) };
      }
      return { status: 'done', result: combineHistogram(req, of('histogram')) };
    }
    case 'group_by':
      return { status: 'done', result: combineGroups(req, of('groups')) };
    case 'correlation':
      return { status: 'done', result: combineCorrelation(req, of('crossprod')) };
    case 'linear_regression':
      return { status: 'done', result: combineLinear(req, of('crossprod')) };
    case 'logistic_regression': {
      const newton = of('newton');
      if (!state.logistic) throw new FederatedError('conflict', 'a logistic study state without its Newton state');
      const pooled = poolNewton(state.logistic.coefficients, newton);
      const step = advanceLogistic(state.logistic, pooled, req);
      if (step.status === 'done') return { status: 'done', result: combineLogistic(req, step.fit, pooled, newton) };
      const { target, positive, features } = req;
      const body = {
        step: 'newton' as const,
        target,
        ...(positive === undefined ? {} : { positive }),
        features,
        coefficients: step.state.coefficients,
      };
      return nextRound(study_id, req, state.round + 1, body, step.state);
    }
  }
}
