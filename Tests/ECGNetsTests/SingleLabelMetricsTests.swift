import ECGNets
import Foundation
import Testing

/// Every single-label metric and the balanced class weights against scikit-learn on fixed inputs
/// (`Fixtures/single-label-metrics`, made by `make_sklearn_reference.py`), and the report's three forms.
struct SingleLabelMetricsTests {
    struct Case: Decodable {
        let name: String
        let classes: [String]
        let yTrue: [Int]
        let yPred: [Int]
        let accuracy: Double
        let precision: [Double]
        let recall: [Double]
        let f1: [Double]
        let support: [Int]
        let macroF1: Double
        let weightedF1: Double
        let confusion: [[Int]]
        let balancedClassWeight: [Double]
        let balancedClasses: [Int]
        let cinc2017: Double?
    }

    struct Reference: Decodable {
        let cases: [Case]
    }

    static let cases: [Case] = {
        let decoder = JSONDecoder()
        decoder.keyDecodingStrategy = .convertFromSnakeCase
        let url = ChallengeFixtures.directory("single-label-metrics").appendingPathComponent("sklearn-reference.json")
        // Committed beside the tests; failing to decode it is a broken checkout.
        return try! decoder.decode(Reference.self, from: Data(contentsOf: url)).cases
    }()

    func close(_ a: Double, _ b: Double) -> Bool { abs(a - b) <= 1e-12 }

    @Test func everyMetricMatchesScikitLearn() throws {
        #expect(Self.cases.count == 4)
        for reference in Self.cases {
            let scores = try SingleLabelScores(trueClasses: reference.yTrue, predictedClasses: reference.yPred,
                                               classes: reference.classes)
            let name = reference.name
            #expect(scores.confusion == reference.confusion.flatMap { $0 }, "\(name): confusion matrix")
            #expect(close(scores.accuracy, reference.accuracy), "\(name): accuracy \(scores.accuracy) vs \(reference.accuracy)")
            #expect(zip(scores.precision, reference.precision).allSatisfy(close), "\(name): precision \(scores.precision)")
            #expect(zip(scores.recall, reference.recall).allSatisfy(close), "\(name): recall \(scores.recall)")
            #expect(zip(scores.f1, reference.f1).allSatisfy(close), "\(name): F1 \(scores.f1) vs \(reference.f1)")
            #expect(scores.support == reference.support, "\(name): support")
            #expect(close(scores.macroF1, reference.macroF1), "\(name): macro F1 \(scores.macroF1) vs \(reference.macroF1)")
            #expect(close(scores.weightedF1, reference.weightedF1), "\(name): weighted F1")
            #expect(scores.cinc2017Score.map { close($0, reference.cinc2017 ?? .nan) } ?? (reference.cinc2017 == nil),
                    "\(name): CinC 2017 score \(String(describing: scores.cinc2017Score)) vs \(String(describing: reference.cinc2017))")
        }
    }

    @Test func balancedClassWeightsMatchScikitLearn() throws {
        for reference in Self.cases {
            let task = ECGTask(labelKind: .singleLabel, classes: reference.classes.map { .init(code: $0, name: $0) },
                               leads: ["II"], samplingFrequency: 300)
            let rows = reference.yTrue.map { y in reference.classes.indices.map { UInt8($0 == y ? 1 : 0) } }
            let weights = try #require(try ClassWeighting.balanced.weights(for: task, labels: rows))
            for (position, classIndex) in reference.balancedClasses.enumerated() {
                let expected = reference.balancedClassWeight[position]
                #expect(abs(Double(weights[classIndex]) - expected) <= 1e-6 * expected,
                        "\(reference.name): class \(classIndex) weight \(weights[classIndex]) vs \(expected)")
            }
            for absent in reference.classes.indices where !reference.balancedClasses.contains(absent) {
                #expect(weights[absent] == 1, "a class without records keeps weight 1")
            }
        }
    }

    /// Multi-label `balanced` is each class's negatives over its positives (BCE's pos_weight).
    @Test func balancedPositiveWeightsForMultiLabel() throws {
        let task = ECGTask(labelKind: .multiLabel, classes: [.init(code: "1", name: "a"), .init(code: "2", name: "b"),
                                                             .init(code: "3", name: "c")],
                           leads: ["I"], samplingFrequency: 500)
        let rows: [[UInt8]] = [[1, 0, 0], [1, 1, 0], [0, 0, 0], [1, 0, 0], [0, 1, 0]]
        let weights = try ClassWeighting.balanced.weights(for: task, labels: rows)
        #expect(weights == [Float(2) / 3, 1.5, 1])
        #expect(try ClassWeighting.none.weights(for: task, labels: rows) == nil)
    }

    @Test func weightFilesAreReadByCodeAndRefusedWithTheLine() throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("weights-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let task = ECGTask(labelKind: .singleLabel, classes: ECGTask.cinc2017Classes, leads: ["II"], samplingFrequency: 300)
        let good = directory.appendingPathComponent("good.csv")
        try "# weights\n~,4\nN,0.5\nA,2\nO,1\n".write(to: good, atomically: true, encoding: .utf8)
        #expect(try ClassWeighting(parsing: good.path).weights(for: task, labels: []) == [0.5, 2, 1, 4])
        let bad = directory.appendingPathComponent("bad.csv")
        try "N,0.5\nX,2\n".write(to: bad, atomically: true, encoding: .utf8)
        #expect(throws: ECGTaskError.invalidFile(path: bad.path, line: 2, reason: "X is not one of the task's classes (N, A, O, ~)")) {
            try ClassWeighting.file(bad).weights(for: task, labels: [])
        }
        let short = directory.appendingPathComponent("short.csv")
        try "N,0.5\n".write(to: short, atomically: true, encoding: .utf8)
        #expect(throws: ECGTaskError.self) { try ClassWeighting.file(short).weights(for: task, labels: []) }
    }

    @Test func predictedClassesAreTheArgMax() {
        #expect(SingleLabelScores.predictedClasses(outputs: [0.1, 0.7, 0.2, 0.5, 0.5, 0, -1, -3, -0.5], classCount: 3) == [1, 0, 2])
    }

    @Test func reportFormsHoldTheNumbers() throws {
        let reference = Self.cases[0]
        let scores = try SingleLabelScores(trueClasses: reference.yTrue, predictedClasses: reference.yPred,
                                           classes: reference.classes)
        let report = SingleLabelReport(title: "test split", scores: scores)
        #expect(report.text.contains(String(format: "CinC 2017 score (mean F1 of N, A, O) %.4f", reference.cinc2017!)))
        #expect(report.text.contains("confusion matrix (rows: true class, columns: predicted class)"))
        let firstRow = "    N" + reference.confusion[0].map { String(repeating: " ", count: 7 - "\($0)".count) + "\($0)" }.joined()
        #expect(report.text.contains(firstRow), "text holds the first confusion row:\n\(report.text)")
        let decoded = try JSONDecoder().decode([String: AnyDecodable].self, from: report.json())
        #expect(decoded["cinc2017_score"]?.number == scores.cinc2017Score)
        #expect(decoded["macro_f1"]?.number == scores.macroF1)
        let svg = report.confusionMatrixSVG.xml
        #expect(svg.components(separatedBy: "class=\"cell\"").count - 1 == 16)
        for count in reference.confusion.flatMap({ $0 }) { #expect(svg.contains(">\(count)</text>")) }
        #expect(SingleLabelReport.color(0) == "#ffffff" && SingleLabelReport.color(1) == "#08306b")
    }

    /// A JSON value of which only numbers are looked at.
    struct AnyDecodable: Decodable {
        let number: Double?
        init(from decoder: Decoder) throws {
            number = try? decoder.singleValueContainer().decode(Double.self)
        }
    }
}
