// Evaluation metrics for binary classifiers: AUC (ties share their average rank), log loss and
// accuracy. Scores may be probabilities or margins for AUC; logloss needs probabilities.
import { invalidArgument } from './errors.js';

type Numbers = ArrayLike<number>;

function checkPair(name: string, y: Numbers, p: Numbers): void {
  if (y.length !== p.length) throw invalidArgument(`${name}: ${y.length} labels but ${p.length} scores`);
  if (y.length === 0) throw invalidArgument(`${name}: no rows`);
}

/** Area under the ROC curve of scores against 0/1 labels. */
export function auc(yTrue: Numbers, scores: Numbers): number {
  checkPair('auc', yTrue, scores);
  const n = yTrue.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => scores[a]! - scores[b]!);
  let rankSum = 0;
  let pos = 0;
  for (let i = 0; i < n;) {
    let j = i;
    while (j < n && scores[order[j]!] === scores[order[i]!]) j++;
    const avg = (i + 1 + j) / 2;
    for (let k = i; k < j; k++) if (yTrue[order[k]!]! > 0.5) { rankSum += avg; pos++; }
    i = j;
  }
  const neg = n - pos;
  if (pos === 0 || neg === 0) throw invalidArgument('auc: needs both positive and negative labels');
  return (rankSum - (pos * (pos + 1)) / 2) / (pos * neg);
}

/** Mean binary cross-entropy of probabilities (clipped to [1e-15, 1 - 1e-15]). */
export function logloss(yTrue: Numbers, prob: Numbers): number {
  checkPair('logloss', yTrue, prob);
  let s = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = Math.min(Math.max(prob[i]!, 1e-15), 1 - 1e-15);
    s += yTrue[i]! > 0.5 ? -Math.log(p) : -Math.log(1 - p);
  }
  return s / yTrue.length;
}

/** Share of rows where the predicted class (score >= threshold, default 0.5) equals the label. */
export function accuracy(yTrue: Numbers, scores: Numbers, threshold = 0.5): number {
  checkPair('accuracy', yTrue, scores);
  let ok = 0;
  for (let i = 0; i < yTrue.length; i++) ok += (scores[i]! >= threshold ? 1 : 0) === (yTrue[i]! > 0.5 ? 1 : 0) ? 1 : 0;
  return ok / yTrue.length;
}
