import Foundation

/// How the loss weights the classes: not at all, `balanced` from the training labels, or as a file says.
///
/// For a single-label task `balanced` gives class `c` the weight `n / (k · n_c)` (n records, k classes present,
/// n_c records of class c), scikit-learn's `compute_class_weight("balanced")`, used as `CrossEntropyLoss(weight=)`.
/// For a multi-label task each class is its own binary problem, so the same rule weighs its positives by
/// `n / (2 · positives)` and its negatives by `n / (2 · negatives)`; as BCE's `pos_weight` (the negatives keep
/// weight 1) that is their ratio, `negatives / positives`, PyTorch's recommended `pos_weight`. A class without
/// records (or, multi-label, without positives or negatives) gets weight 1: it cannot be balanced.
public enum ClassWeighting: Sendable, Equatable, CustomStringConvertible {
    case none
    case balanced
    /// `CODE,WEIGHT` lines, one for every class of the task (`#` comments and blank lines ignored).
    case file(URL)

    /// `none`, `balanced` or the path of a weight file.
    public init(parsing text: String) {
        switch text {
        case "none": self = .none
        case "balanced": self = .balanced
        default: self = .file(URL(fileURLWithPath: text))
        }
    }

    public var description: String {
        switch self {
        case .none: "none"
        case .balanced: "balanced"
        case let .file(url): url.path
        }
    }

    /// The weights, one per class of `task` (nil for `none`), from `labels`: one row of `task.classes.count`
    /// 0/1 values per training record.
    public func weights(for task: ECGTask, labels: [[UInt8]]) throws(ECGTaskError) -> [Float]? {
        let count = task.classes.count
        switch self {
        case .none:
            return nil
        case .balanced:
            var positives = [Int](repeating: 0, count: count)
            for row in labels {
                for c in 0..<count where row[c] != 0 { positives[c] += 1 }
            }
            let n = Double(labels.count)
            switch task.labelKind {
            case .singleLabel:
                let present = Double(positives.filter { $0 > 0 }.count)
                return positives.map { $0 > 0 ? Float(n / (present * Double($0))) : 1 }
            case .multiLabel:
                return positives.map { $0 > 0 && Double($0) < n ? Float((n - Double($0)) / Double($0)) : 1 }
            }
        case let .file(url):
            var weights = [String: Float]()
            for (number, line) in try ECGLabelSource.lines(of: url) {
                let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard fields.count == 2, let weight = Float(fields[1]), weight.isFinite, weight >= 0 else {
                    throw .invalidFile(path: url.path, line: number, reason: "'\(line)' is not CODE,WEIGHT with a "
                        + "non-negative number")
                }
                guard task.classCodes.contains(fields[0]) else {
                    throw .invalidFile(path: url.path, line: number, reason: "\(fields[0]) is not one of the task's "
                        + "classes (\(task.classCodes.joined(separator: ", ")))")
                }
                weights[fields[0]] = weight
            }
            let missing = task.classCodes.filter { weights[$0] == nil }
            guard missing.isEmpty else {
                throw .invalidFile(path: url.path, line: nil, reason: "it gives no weight for "
                    + missing.joined(separator: ", ") + "; write one CODE,WEIGHT line per class")
            }
            return task.classCodes.map { weights[$0]! }
        }
    }
}
