import ArgumentParser
import ECGNets
import Foundation

/// `dist-train score`: scores a directory of Challenge output files against the records' label headers
/// with the metrics of the official PhysioNet/CinC 2020 scorer, and prints its numbers and a per-class table;
/// or single-label outputs against a CinC 2017 style REFERENCE.csv with the single-label measures.
struct ScoreCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "score",
        abstract: "Score Challenge output files against label headers (as the official 2020 scorer does) or a REFERENCE.csv.",
        discussion: """
            Every <record>.hea of --labels (its '#Dx:' line) is paired with <record>.csv of --outputs \
            ('#record_id', class codes, 0/1 decisions, probabilities). Prints AUROC, AUPRC, accuracy, \
            F-measure, F-beta and G-beta (beta 2) and the Challenge metric as evaluate_12ECG_score.py \
            does, then the per-class values.

            Single-label outputs (predict's files of a single-label checkpoint, e.g. CinC 2017's N, A, O, ~) \
            are scored against a reference file instead: --reference FILE, or REFERENCE.csv in --labels when it \
            has one. Every record the reference names needs <record>.csv in --outputs, whose predicted class is \
            the column with decision 1 (exactly one). Prints what evaluate reports for a single-label \
            checkpoint, computed by the same code: per-class precision, recall, F1 and support, accuracy, macro \
            and weighted F1, the CinC 2017 score (mean F1 of N, A and O) and the confusion matrix; --json \
            writes them as JSON.
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

    @Option(help: "Directory of label headers (<record>.hea with a '#Dx:' line), or of records with a REFERENCE.csv (single-label).")
    var labels: String?

    @Option(help: ArgumentHelp("A CinC 2017 style reference file (RECORD,LABEL lines): score single-label outputs against it (default: REFERENCE.csv in --labels, if there is one).", valueName: "FILE"))
    var reference: String?

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

    func validate() throws {
        guard labels != nil || reference != nil else {
            throw ValidationError("give --labels DIR (label headers, or records with a REFERENCE.csv) or --reference FILE.")
        }
    }

    /// `--reference`, or REFERENCE.csv in `--labels` if it exists: the file single-label outputs are scored against.
    private var referenceFile: URL? {
        if let reference { return URL(fileURLWithPath: reference) }
        let found = labels.map { URL(fileURLWithPath: $0).appendingPathComponent("REFERENCE.csv") }
        return found.flatMap { FileManager.default.fileExists(atPath: $0.path) ? $0 : nil }
    }

    func run() throws {
        if let referenceFile { return try scoreSingleLabel(against: referenceFile) }
        guard let labels else { return }
        let classes = weights.scoringClasses
        let evaluation = try ChallengeDirectoryEvaluation(
            labelDirectory: URL(fileURLWithPath: labels), outputDirectory: URL(fileURLWithPath: outputs),
            classes: classes, parsing: lenient ? .official : .strict)
        reportSetAside(evaluation)
        let scores = evaluation.scores
        print("Scored \(evaluation.records.count) records over \(classes.count) classes (\(weights.rawValue) weights).")
        print("AUROC,AUPRC,Accuracy,F-measure,Fbeta-measure,Gbeta-measure,Challenge metric")
        print([scores.auroc, scores.auprc, scores.accuracy, scores.fMeasure, scores.fBetaMeasure,
               scores.gBetaMeasure, scores.challengeMetric].map(threeDecimals).joined(separator: ","))
        print()
        printPerClassTable(evaluation)
        if let json {
            try writeJSON(scores, to: URL(fileURLWithPath: json))
        }
    }

    /// The single-label report of the output files against `reference` (what evaluate prints for the same records).
    private func scoreSingleLabel(against reference: URL) throws {
        let evaluation = try SingleLabelDirectoryEvaluation(reference: reference, outputDirectory: URL(fileURLWithPath: outputs))
        let report = SingleLabelReport(title: "Scored \(evaluation.recordIDs.count) records against \(reference.path)",
                                       scores: evaluation.scores)
        print(report.text)
        if let json {
            do {
                try report.json().write(to: URL(fileURLWithPath: json), options: .atomic)
            } catch {
                throw ChallengeFormatError.unwritable(file: json, reason: "\(error)")
            }
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
