/// The validation number that picks `best.nc` and drives the plateau schedule and early stopping. The task
/// chooses it (the tuned Challenge metric for a Challenge class list, macro AUROC for a multi-label list of
/// one's own, which has no Challenge weights, the CinC 2017 score for N/A/O/~, macro F1 for other single-label
/// tasks); `--select-metric` overrides it with any metric the task has.
public enum ValidationMetric: String, Sendable, CaseIterable, Codable, CustomStringConvertible {
    /// The Challenge metric after tuning the per-class thresholds on the validation split (multi-label,
    /// Challenge class lists).
    case tunedChallenge = "tuned-challenge"
    /// The Challenge metric at thresholds 0.5 (multi-label, Challenge class lists).
    case challenge
    /// Macro AUROC (multi-label, any class list: it needs no weights or thresholds).
    case macroAUROC = "macro-auroc"
    /// Mean F1 of N, A and O (single-label with the CinC 2017 classes).
    case cinc2017
    /// Macro F1 over all classes (single-label).
    case macroF1 = "macro-f1"
    /// Support-weighted F1 (single-label).
    case weightedF1 = "weighted-f1"
    /// Fraction of records with the right class (single-label).
    case accuracy

    public var description: String {
        switch self {
        case .tunedChallenge: "tuned Challenge metric"
        case .challenge: "Challenge metric"
        case .macroAUROC: "macro AUROC"
        case .cinc2017: "CinC 2017 score"
        case .macroF1: "macro F1"
        case .weightedF1: "weighted F1"
        case .accuracy: "accuracy"
        }
    }

    /// The metric a task is judged by when nothing else is asked for.
    public static func standard(for task: ECGTask) -> ValidationMetric {
        switch task.labelKind {
        case .multiLabel: return task.challengeClasses == nil ? .macroAUROC : .tunedChallenge
        case .singleLabel:
            let codes = Set(task.classCodes)
            return SingleLabelScores.cinc2017ScoredClasses.allSatisfy(codes.contains) ? .cinc2017 : .macroF1
        }
    }

    /// Whether `task`'s validation computes this metric.
    public func applies(to task: ECGTask) -> Bool {
        switch self {
        case .tunedChallenge, .challenge: return task.challengeClasses != nil
        case .macroAUROC: return task.labelKind == .multiLabel
        case .cinc2017: return ValidationMetric.standard(for: task) == .cinc2017
        case .macroF1, .weightedF1, .accuracy: return task.labelKind == .singleLabel
        }
    }

    /// This metric's value in single-label scores.
    func value(in scores: SingleLabelScores) -> Double {
        switch self {
        case .cinc2017: scores.cinc2017Score ?? .nan
        case .weightedF1: scores.weightedF1
        case .accuracy: scores.accuracy
        default: scores.macroF1
        }
    }
}
