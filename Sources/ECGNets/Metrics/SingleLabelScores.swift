import Foundation

/// The measures of a single-label classifier (one class per record, the arg-max of its outputs), as
/// scikit-learn defines them with `labels=range(C)` and `zero_division=0`: the confusion matrix, accuracy,
/// per-class precision, recall and F1, macro F1 (every class counts, also one without records) and support-
/// weighted F1; and, when the classes include the CinC 2017 ones (N, A, O), the Challenge 2017 score: the mean
/// F1 of N, A and O (the noise class `~` enters only through the others' errors), as its `score2017` computes.
public struct SingleLabelScores: Sendable, Codable, Equatable {
    /// The class names, in output order.
    public let classes: [String]
    /// Records per (true class, predicted class), row-major `classes x classes`.
    public let confusion: [Int]
    /// Records whose predicted class is their class.
    public let accuracy: Double
    /// TP / (TP + FP) per class, 0 when the class is never predicted.
    public let precision: [Double]
    /// TP / (TP + FN) per class, 0 when no record has the class.
    public let recall: [Double]
    /// 2·TP / (2·TP + FP + FN) per class, 0 when the denominator is.
    public let f1: [Double]
    /// Records of each true class.
    public let support: [Int]
    /// The mean of `f1` over all classes.
    public let macroF1: Double
    /// `f1` averaged with the classes' supports as weights.
    public let weightedF1: Double
    /// Mean F1 of the classes named N, A and O; nil unless all three are among `classes`.
    public let cinc2017Score: Double?

    /// The class names the CinC 2017 score averages over: normal rhythm, AF and other rhythm.
    public static let cinc2017ScoredClasses = ["N", "A", "O"]

    /// Scores predicted classes against true ones (indices into `classes`, one pair per record).
    public init(trueClasses: [Int], predictedClasses: [Int], classes: [String]) throws(ScoringError) {
        let count = classes.count
        guard trueClasses.count == predictedClasses.count else {
            throw .recordCountMismatch(labels: trueClasses.count, outputs: predictedClasses.count)
        }
        var confusion = [Int](repeating: 0, count: count * count)
        for (truth, prediction) in zip(trueClasses, predictedClasses) {
            guard (0..<count).contains(truth), (0..<count).contains(prediction) else {
                throw .classIndexOutOfRange(index: (0..<count).contains(truth) ? prediction : truth, classCount: count)
            }
            confusion[truth * count + prediction] += 1
        }
        self.init(confusion: confusion, classes: classes)
    }

    /// Scores a confusion matrix (row-major `[true, predicted]`, `classes.count` squared entries).
    public init(confusion: [Int], classes: [String]) {
        let count = classes.count
        precondition(confusion.count == count * count, "the confusion matrix needs \(count * count) entries")
        func ratio(_ numerator: Int, _ denominator: Int) -> Double {
            denominator > 0 ? Double(numerator) / Double(denominator) : 0
        }
        let truePositives = (0..<count).map { confusion[$0 * count + $0] }
        let support = (0..<count).map { row in (0..<count).reduce(0) { $0 + confusion[row * count + $1] } }
        let predicted = (0..<count).map { column in (0..<count).reduce(0) { $0 + confusion[$1 * count + column] } }
        let total = support.reduce(0, +)
        self.classes = classes
        self.confusion = confusion
        self.support = support
        accuracy = ratio(truePositives.reduce(0, +), total)
        precision = (0..<count).map { ratio(truePositives[$0], predicted[$0]) }
        recall = (0..<count).map { ratio(truePositives[$0], support[$0]) }
        let f1 = (0..<count).map { ratio(2 * truePositives[$0], support[$0] + predicted[$0]) }
        self.f1 = f1
        macroF1 = count > 0 ? f1.reduce(0, +) / Double(count) : .nan
        weightedF1 = total > 0 ? zip(f1, support).reduce(0) { $0 + $1.0 * Double($1.1) } / Double(total) : 0
        let scored = Self.cinc2017ScoredClasses.compactMap { classes.firstIndex(of: $0) }
        cinc2017Score = scored.count == Self.cinc2017ScoredClasses.count
            ? scored.reduce(0) { $0 + f1[$1] } / Double(scored.count) : nil
    }

    /// Records in (true class `truth`, predicted class `prediction`).
    public func count(truth: Int, prediction: Int) -> Int {
        confusion[truth * classes.count + prediction]
    }

    /// The predicted class of each record: the position of its largest output (the first on ties), as
    /// `argmax` does; `outputs` holds `classCount` values per record.
    public static func predictedClasses(outputs: [Float], classCount: Int) -> [Int] {
        precondition(classCount > 0 && outputs.count % classCount == 0, "outputs are not whole rows of \(classCount)")
        return stride(from: 0, to: outputs.count, by: classCount).map { start in
            var best = 0
            for c in 1..<classCount where outputs[start + c] > outputs[start + best] { best = c }
            return best
        }
    }

    /// The true class of each record from one-hot target rows of `classCount` values (the position of the 1).
    public static func trueClasses(targets: [Float], classCount: Int) -> [Int] {
        predictedClasses(outputs: targets, classCount: classCount)
    }
}
