import ECGNets
import Foundation
import FoundationXML
import Testing

/// The SVG plots parse as XML and hold the elements they promise.
@Suite struct SVGPlotTests {
    private func parse(_ document: SVGDocument) throws -> XMLDocument {
        try XMLDocument(data: Data(document.xml.utf8), options: [])
    }

    private func elements(_ name: String, cssClass: String? = nil, in document: XMLDocument) throws -> [XMLElement] {
        let condition = cssClass.map { " and @class='\($0)'" } ?? ""
        return try document.nodes(forXPath: "//*[local-name()='\(name)'\(condition)]").compactMap { $0 as? XMLElement }
    }

    /// An attribute's value, looked up among the element's attributes (`attribute(forName:)` of
    /// swift-corelibs-foundation does not find them in a document with a default namespace).
    private func attribute(_ name: String, of element: XMLElement) -> String? {
        element.attributes?.first { $0.name == name || $0.localName == name }?.stringValue
    }

    private func entry(epoch: Int, loss: Double, metric: Double, auroc: Double) throws -> TrainingHistoryEntry {
        let predictions = try EvaluationTestData.randomPredictions(count: 20, seed: UInt64(epoch))
        var entry = TrainingHistoryEntry(epoch: epoch, globalStep: epoch * 10, meanTrainingLoss: loss,
                                         learningRate: 1e-3, scores: try DistributedEvaluation.challengeScores(
                                            probabilities: predictions.probabilities, targets: predictions.targets))
        entry.challengeMetric = metric
        entry.auroc = auroc
        return entry
    }

    /// Five epochs: one polyline per series with five points, a dot per point, axes titled, a legend.
    @Test func learningCurvesHaveAPointPerEpoch() throws {
        let history = TrainingHistory(entries: try (1...5).map {
            try entry(epoch: $0, loss: 0.5 / Double($0), metric: 0.1 * Double($0), auroc: 0.6 + 0.05 * Double($0))
        })
        let xml = try parse(LearningCurvePlot.svg(history, title: "Run <A & B>"))
        for series in ["training-loss", "challenge-metric", "macro-auroc"] {
            let lines = try elements("polyline", cssClass: series, in: xml)
            #expect(lines.count == 1, "\(series)")
            let points = lines.first.flatMap { attribute("points", of: $0) }?.split(separator: " ") ?? []
            #expect(points.count == 5, "\(series)")
            #expect(try elements("circle", cssClass: series, in: xml).count == 5)
        }
        let texts = try elements("text", in: xml).compactMap(\.stringValue)
        #expect(texts.contains("epoch") && texts.contains("loss") && texts.contains("score"))
        #expect(texts.contains("Run <A & B>: training"))
        #expect(texts.contains("Challenge metric") && texts.contains("macro AUROC") && texts.contains("training loss"))
        #expect(try elements("rect", cssClass: "legend", in: xml).count == 2)
        // Loss falls, so its points go down the page: SVG y grows downwards.
        let lossLine = try #require(try elements("polyline", cssClass: "training-loss", in: xml).first)
        let lossPoints = attribute("points", of: lossLine)?.split(separator: " ")
            .compactMap { Double($0.split(separator: ",")[1]) } ?? []
        #expect(lossPoints.count == 5 && lossPoints == lossPoints.sorted())
    }

    /// A NaN value breaks its series into two polylines and never reaches the document as a number.
    @Test func nanValuesBreakTheLine() throws {
        let history = TrainingHistory(entries: try (1...5).map {
            try entry(epoch: $0, loss: 0.4, metric: 0.3, auroc: $0 == 3 ? .nan : 0.7)
        })
        let document = LearningCurvePlot.svg(history)
        let xml = try parse(document)
        let lines = try elements("polyline", cssClass: "macro-auroc", in: xml)
        #expect(lines.map { attribute("points", of: $0)?.split(separator: " ").count } == [2, 2])
        #expect(try elements("circle", cssClass: "macro-auroc", in: xml).count == 4)
        #expect(!document.xml.lowercased().contains("nan"))
        #expect(!document.xml.lowercased().contains("inf"))
    }

    /// The bar chart has one AUROC and one F-measure bar per class with a defined value, `n/a` otherwise.
    @Test func barChartHasABarPerDefinedValue() throws {
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("labels"),
            outputDirectory: ChallengeFixtures.edgeCases.appendingPathComponent("outputs"), parsing: .official)
        let report = EvaluationReport(records: evaluation.records)
        let document = ClassMetricBarChart.svg(report)
        let xml = try parse(document)
        let definedAUROC = report.rows.filter { !$0.auroc.isNaN }.count
        let definedF = report.rows.filter { !$0.fMeasure.isNaN }.count
        #expect(definedAUROC < report.rows.count)
        #expect(try elements("rect", cssClass: "auroc", in: xml).count == definedAUROC)
        #expect(try elements("rect", cssClass: "f-measure", in: xml).count == definedF)
        #expect(try elements("text", cssClass: "undefined", in: xml).count == 2 * report.rows.count - definedAUROC - definedF)
        #expect(try elements("text", cssClass: "class-label", in: xml).compactMap(\.stringValue)
                == report.rows.map(\.abbreviation))
        for bar in try elements("rect", cssClass: "auroc", in: xml) {
            let height = Double(attribute("height", of: bar) ?? "") ?? -1
            #expect(height >= 0 && height <= 300)
        }
        #expect(!document.xml.lowercased().contains("nan\""))
    }

    /// Text is escaped: markup characters and control characters cannot break the XML.
    @Test func textIsEscaped() throws {
        var document = SVGDocument(width: 10, height: 10)
        document.add("text", [("x", .number(1)), ("y", .number(2)), ("data-note", .text("a\"b'c"))],
                     text: "<tag> & \"quotes\" \u{1}")
        let addedNaN = document.add("circle", [("cx", .number(.nan))])
        #expect(!addedNaN)
        let xml = try parse(document)
        let text = try #require(try elements("text", in: xml).first)
        #expect(text.stringValue == "<tag> & \"quotes\" ")
        #expect(attribute("data-note", of: text) == "a\"b'c")
        #expect(try elements("circle", in: xml).isEmpty)
    }
}
