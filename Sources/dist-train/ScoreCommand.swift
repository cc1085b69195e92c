import ArgumentParser
import ECGNets
import Foundation

/// `dist-train score`: scores a directory of Challenge output files against the records' label headers
/// with the metrics of the official PhysioNet/CinC 2020 scorer, and prints its numbers and a per-class table.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score Challenge output files against label headers, as the official 2020 scorer does.",
        discussion: """
            Every <record>.hea of --labels (its '#Dx:' line) is paired with <record>.csv of --outputs \
            ('#record_id', class codes, 0/1 decisions, probabilities). Prints AUROC, AUPRC, accuracy, \
            F-measure, F-beta and G-beta (beta 2) and the Challenge metric as evaluate_12ECG_score.py \
            does, then the per-class values.
            """)

    /// The Challenge whose weight matrix (and so class set) the metric uses.
    enum Weights: String, ExpressibleByArgument, CaseIterable {
        case challenge2020 = "2020"
        case challenge2021 = "2021"

        var scoringClasses: ScoringClasses {
            switch self {
            case .challenge2020: .challenge2020
            case .challenge2021: .challenge2021
            }
        }
    }

    @Option(help: "Directory of label headers (<record>.hea with a '#Dx:' line).")
    var labels: String

    @Option(help: "Directory of output files (<record>.csv in the Challenge output format).")
    var outputs: String

    @Option(help: "Weights of the Challenge metric: 2020 (24 classes) or 2021 (26 classes).")
    var weights: Weights = .challenge2020

    @Option(help: "Also write every score, per-class values included, as JSON to this file.")
    var json: String?

    @Flag(help: """
        Read output files as the official 2020 scorer does (a file with formatting errors counts as \
        all-negative, unreadable values as 0, a missing class column as negative, probabilities outside [0, 1] \
        as written, each reported) instead of stopping with an error that names the file.
        """)
    var lenient = false

    func run() throws {
        let classes = weights.scoringClasses
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: URL(fileURLWithPath: labels), outputDirectory: URL(fileURLWithPath: outputs),
            classes: classes, parsing: lenient ? .official : .strict)
        reportSetAside(evaluation)
        let scores = evaluation.scores
        print("Scored \(evaluation.records.count) records over \(classes.count) classes (\(classes.year) weights).")
        print("AUROC,AUPRC,Accuracy,F-measure,Fbeta-measure,Gbeta-measure,Challenge metric")
        print([scores.auroc, scores.auprc, scores.accuracy, scores.fMeasure, scores.fBetaMeasure,
               scores.gBetaMeasure, scores.challengeMetric].map(threeDecimals).joined(separator: ","))
        print()
        printPerClassTable(evaluation)
        if let json {
            try writeJSON(scores, to: URL(fileURLWithPath: json))
        }
    }

    /// Tells on standard error what the scorer set aside: malformed files (lenient) and unscored columns.
    private func reportSetAside(_ evaluation: ChallengeDirectoryEvaluation) {
        for problem in evaluation.malformedOutputs {
            printToStandardError("warning: \(problem); its outputs count as negative")
        }
        for warning in evaluation.warnings {
            printToStandardError("warning: \(warning)")
        }
        for (code, files) in evaluation.ignoredOutputCodes.sorted(by: { $0.key < $1.key }) {
            printToStandardError("note: output column \(code) (in \(files) file(s)) is not a scored class; ignored")
        }
    }

    /// One row per scoring class: codes, abbreviations, positive labels and outputs, AUROC, AUPRC, F-measure.
    private func printPerClassTable(_ evaluation: ChallengeDirectoryEvaluation) {
        let scores = evaluation.scores
        let classes = evaluation.records.classes.classes
        let labelCounts = evaluation.records.positiveLabelCounts()
        let outputCounts = evaluation.records.positiveOutputCounts()
        let codeWidth = max(5, classes.map { $0.codes.joined(separator: "|").count }.max() ?? 0)
        let nameWidth = max(6, classes.map { $0.abbreviation.count }.max() ?? 0)
        print(padded("Class", codeWidth) + "  " + padded("Abbrev", nameWidth)
              + "  Labels  Outputs  AUROC  AUPRC  F-measure")
        for (index, scoringClass) in classes.enumerated() {
            print(padded(scoringClass.codes.joined(separator: "|"), codeWidth) + "  "
                  + padded(scoringClass.abbreviation, nameWidth) + "  "
                  + leftPadded(String(labelCounts[index]), 6) + "  " + leftPadded(String(outputCounts[index]), 7) + "  "
                  + leftPadded(threeDecimals(scores.aurocPerClass[index]), 5) + "  "
                  + leftPadded(threeDecimals(scores.auprcPerClass[index]), 5) + "  "
                  + leftPadded(threeDecimals(scores.fMeasurePerClass[index]), 9))
        }
    }

    private func writeJSON(_ scores: ChallengeScores, to file: URL) throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        do {
            try encoder.encode(scores).write(to: file, options: .atomic)
        } catch {
            throw ChallengeFormatError.unwritable(file: file.path, reason: error.localizedDescription)
        }
    }

    /// A number as the official scorer prints it (`{:.3f}`), `nan` for an undefined value.
    private func threeDecimals(_ value: Double) -> String {
        value.isNaN ? "nan" : String(format: "%.3f", value)
    }

    private func padded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : text + String(repeating: " ", count: width - text.count)
    }

    private func leftPadded(_ text: String, _ width: Int) -> String {
        text.count >= width ? text : String(repeating: " ", count: width - text.count) + text
    }

    private func printToStandardError(_ line: String) {
        FileHandle.standardError.write(Data((line + "\n").utf8))
    }
}
