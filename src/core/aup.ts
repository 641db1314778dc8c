/**
 * AUP, Accuracy Under Parallelism (reference §4.1, `AUP_leaderboard/aup_utils.py`): an unweighted first
 * rectangle ρ₁·y₁ plus a trapezoid of y·W(y) over the remaining TPF points, W(y) = min(exp(−α(1 − y/y_max)), 1).
 */

/** One (TPF, accuracy in percent) point of a method on a task. */
export interface AupPoint {
	readonly tpf: number;
	readonly accuracy: number;
}

/** Accuracy weight W(y) of reference §4.1. */
export function aupWeight(accuracy: number, yMax: number, alpha = 3): number {
	return Math.min(Math.exp(-alpha * (1 - accuracy / yMax)), 1);
}

/**
 * AUP of `points`. `yMax` is the best accuracy of any method on the task. Throws when there are no points,
 * a TPF is not positive, or accuracy drops by more than `yMinOffset` from the smallest-TPF point to the
 * largest (the reference's assertion).
 */
export function aup(points: readonly AupPoint[], yMax: number, alpha = 3, yMinOffset = 5): number {
	if (points.length === 0) {
		throw new Error('aup needs at least one point');
	}
	if (points.some((point) => !(point.tpf > 0)) || !(yMax > 0)) {
		throw new Error('aup needs tpf > 0 for every point and yMax > 0');
	}
	const sorted = [...points].sort((a, b) => a.tpf - b.tpf);
	const first = sorted[0].accuracy;
	const last = sorted[sorted.length - 1].accuracy;
	if (first - last > yMinOffset) {
		throw new Error(`aup: accuracy drops by ${first - last} (> ${yMinOffset}) from the smallest to the largest TPF`);
	}
	const kept = sorted.filter((point) => point.accuracy >= first - yMinOffset);
	return kept.reduce((area, point, i) => area + (i === 0 ? point.tpf * point.accuracy : trapezoid(kept[i - 1], point, yMax, alpha)), 0);
}

function trapezoid(previous: AupPoint, point: AupPoint, yMax: number, alpha: number): number {
	const weighted = (p: AupPoint): number => p.accuracy * aupWeight(p.accuracy, yMax, alpha);
	return 0.5 * (point.tpf - previous.tpf) * (weighted(point) + weighted(previous));
}
