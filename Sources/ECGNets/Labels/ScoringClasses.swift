/// The classes and weight matrix of a Challenge metric, with equivalent codes merged into one class the
/// way the official scorers do it: the 2020 metric sees 24 classes, the 2021 metric 26. A class list of one's
/// own (`unweighted(codes:)`) has no weights: every metric but the Challenge metric scores it.
public struct ScoringClasses: Sendable {
    /// The Challenge year whose weights these are; nil for a class list without Challenge weights.
    public let year: Int?
    /// The scored classes in the order of the weights file's header (first occurrence of each class).
    public let classes: [ScoringClass]
    /// Challenge weights, row-major `[label class, output class]`, `count × count`; empty without a year.
    public let weights: [Double]
    /// Index of the class containing sinus rhythm (426783006), the output of the "inactive" classifier; nil
    /// without weights.
    public let normalIndex: Int?
    /// Whether an output column `a|b` stands for codes a and b (the 2021 scorer) or is one unknown code
    /// (the 2020 scorer).
    public let splitsEquivalentColumns: Bool
    private let indexByCode: [String: Int]

    /// The 2020 Challenge metric: weights.csv of 2020 with its three equivalent pairs merged (24 classes).
    public static let challenge2020 = ScoringClasses(
        year: 2020, table: ChallengeTables.weights2020, equivalentCodes: ChallengeTables.equivalentCodes2020,
        splitsEquivalentColumns: false)

    /// The 2021 Challenge metric: weights.csv of 2021, whose header already lists equivalent codes as `a|b`
    /// (26 classes; CLBBB|LBBB is merged there, and BBB and PRWP are scored), so the 2020 pairs change
    /// nothing here.
    public static let challenge2021 = ScoringClasses(
        year: 2021, table: ChallengeTables.weights2021, equivalentCodes: ChallengeTables.equivalentCodes2020,
        splitsEquivalentColumns: true)

    /// Merges the table's columns that share a code (directly or through `equivalentCodes`) into one class,
    /// keeping the first column's weights, as `load_weights` of the official scorers does.
    init(year: Int, table: WeightTable, equivalentCodes: [[String]], splitsEquivalentColumns: Bool) {
        let size = table.classes.count
        // The tables are generated from the official files and checked against them by the tests.
        precondition(table.values.count == size * size, "the embedded \(year) weight table is not square")
        var merged: [[String]] = []
        var firstColumn: [Int] = []
        for (column, entry) in table.classes.enumerated() {
            var codes: [String] = []
            for code in entry {
                let group = equivalentCodes.first { $0.contains(code) } ?? [code]
                for member in group where !codes.contains(member) {
                    codes.append(member)
                }
            }
            if let existing = merged.firstIndex(where: { !Set($0).isDisjoint(with: codes) }) {
                merged[existing].append(contentsOf: codes.filter { !merged[existing].contains($0) })
            } else {
                merged.append(codes)
                firstColumn.append(column)
            }
        }
        var weights: [Double] = []
        weights.reserveCapacity(firstColumn.count * firstColumn.count)
        for row in firstColumn {
            for column in firstColumn {
                weights.append(table.values[row * size + column])
            }
        }
        var indexByCode: [String: Int] = [:]
        for (index, codes) in merged.enumerated() {
            for code in codes {
                indexByCode[code] = index
            }
        }
        guard let normalIndex = indexByCode[ChallengeTables.normalCode] else {
            preconditionFailure("the embedded \(year) weight table has no sinus rhythm class")
        }
        self.year = year
        self.classes = merged.map { ScoringClass(codes: $0) }
        self.weights = weights
        self.normalIndex = normalIndex
        self.splitsEquivalentColumns = splitsEquivalentColumns
        self.indexByCode = indexByCode
    }

    /// A user's class list, each code its own class, in the given order, without Challenge weights (so
    /// without a Challenge metric).
    public static func unweighted(codes: [String]) -> ScoringClasses {
        ScoringClasses(codes: codes)
    }

    private init(codes: [String]) {
        year = nil
        classes = codes.map { ScoringClass(codes: [$0]) }
        weights = []
        normalIndex = nil
        splitsEquivalentColumns = false
        indexByCode = Dictionary(codes.enumerated().map { ($0.element, $0.offset) }, uniquingKeysWith: { first, _ in first })
    }

    /// Whether these classes have Challenge weights, so that the Challenge metric scores them.
    public var hasWeights: Bool { year != nil }

    /// Why a report of classes without weights has no Challenge metric.
    public static let noWeightsReason = "no Challenge metric: the classes are not a Challenge class list, whose weights it needs"


    /// Number of scored classes.
    public var count: Int { classes.count }

    /// The index of the class a SNOMED-CT code is scored as, or `nil` if the metric does not score it.
    public func index(of code: String) -> Int? {
        indexByCode[code]
    }

    /// The weight the metric gives to outputting class `output` for a record labelled `label`.
    public func weight(label: Int, output: Int) -> Double {
        weights[label * count + output]
    }

    /// A record's labels over these classes: a class is positive if any of its codes is among `dxCodes`;
    /// codes the metric does not score are ignored.
    public func labels(forDxCodes dxCodes: [String]) -> [Bool] {
        var labels = [Bool](repeating: false, count: count)
        for code in dxCodes {
            if let index = indexByCode[code] {
                labels[index] = true
            }
        }
        return labels
    }

    /// One record's classifier outputs over these classes, from output columns in any order: a class is
    /// positive if any of its columns is, its probability is the mean of its columns' non-NaN
    /// probabilities (0 if none), and columns of unscored codes are ignored, as `load_outputs` of
    /// evaluate_12ECG_score.py does; a column `a|b` stands for both codes if `splitsEquivalentColumns`.
    /// If the three arrays differ in length only the columns all three have are read.
    public func outputs(columnCodes: [String], binary: [Bool], probabilities: [Double]) -> ClassOutputs {
        var positive = [Bool](repeating: false, count: count)
        var sums = [Double](repeating: 0, count: count)
        var averagedCounts = [Int](repeating: 0, count: count)
        var ignored: [String] = []
        let columns = min(columnCodes.count, binary.count, probabilities.count)
        for column in 0..<columns {
            var targets = Set<Int>()
            let codes = splitsEquivalentColumns
                ? columnCodes[column].split(separator: "|").map(String.init) : [columnCodes[column]]
            for code in codes {
                if let index = indexByCode[code] {
                    targets.insert(index)
                }
            }
            if targets.isEmpty {
                ignored.append(columnCodes[column])
            }
            for index in targets {
                positive[index] = positive[index] || binary[column]
                if !probabilities[column].isNaN {
                    sums[index] += probabilities[column]
                    averagedCounts[index] += 1
                }
            }
        }
        let means = (0..<count).map { averagedCounts[$0] > 0 ? sums[$0] / Double(averagedCounts[$0]) : 0 }
        return ClassOutputs(binary: positive, probabilities: means, ignoredCodes: ignored)
    }
}

/// One class of a Challenge metric: the SNOMED-CT codes scored as the same diagnosis, representative first.
public struct ScoringClass: Sendable, Hashable {
    /// The codes of this class; the first is the one the official scorer reports.
    public let codes: [String]

    /// The code the official scorer lists for this class.
    public var representative: String { codes[0] }

    /// The Challenge abbreviations of the codes joined by `|`, e.g. `CRBBB|RBBB`, `?` for an unnamed code.
    public var abbreviation: String {
        codes.map { ChallengeDiagnosisCatalog.diagnosis(for: $0)?.abbreviation ?? "?" }.joined(separator: "|")
    }

    /// Whether `code` is one of this class's codes.
    public func contains(_ code: String) -> Bool {
        codes.contains(code)
    }
}

/// One record's classifier outputs merged onto the scoring classes, with the output columns that named
/// no scored class (reported, not scored).
public struct ClassOutputs: Sendable, Equatable {
    /// The decision per scoring class.
    public let binary: [Bool]
    /// The probability per scoring class.
    public let probabilities: [Double]
    /// The output columns that matched no scoring class.
    public let ignoredCodes: [String]
}
