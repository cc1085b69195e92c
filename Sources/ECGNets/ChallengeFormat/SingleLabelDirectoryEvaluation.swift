import Foundation

/// Scores a directory of single-label Challenge output files (as `dist-train predict` writes them for a
/// single-label checkpoint: the class codes, one decision 1 at the predicted class, the softmax probabilities)
/// against a CinC 2017 style reference file (`A00001,N` lines), with `SingleLabelScores`, the measures
/// `evaluate` reports: every record the reference names needs `<record>.csv`, whose predicted class is the
/// column with decision 1.
public struct SingleLabelDirectoryEvaluation: Sendable {
    /// The record ids scored, sorted.
    public let recordIDs: [String]
    /// Accuracy, per-class precision/recall/F1, macro and weighted F1, CinC 2017 score, confusion matrix.
    public let scores: SingleLabelScores

    /// Reads `reference` (its classes as `ECGLabelSource.reference(at:)` gives them: N, A, O, ~ when the labels
    /// are among those) and the output file of each of its records in `outputDirectory`. An output file that is
    /// missing, is malformed, names another record, lacks a class column, or does not have exactly one decision 1
    /// (at a class of the reference) is an error naming the file.
    public init(reference: URL, outputDirectory: URL) throws(ChallengeFormatError) {
        let source: ECGLabelSource
        do {
            source = try ECGLabelSource.reference(at: reference)
        } catch {
            throw .unreadable(file: reference.path, reason: error.description)
        }
        let classes = source.classes.map(\.code)
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: outputDirectory.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingDirectory(path: outputDirectory.path, role: "output")
        }
        var trueClasses: [Int] = []
        var predictedClasses: [Int] = []
        let labels = source.referenceLabels.sorted { $0.key < $1.key }
        for (record, label) in labels {
            let file = outputDirectory.appendingPathComponent(record + ".csv")
            guard FileManager.default.fileExists(atPath: file.path) else {
                throw .missingOutput(labelFile: "\(reference.path) (record \(record))", outputFile: file.path)
            }
            let output = try ChallengeOutputReader.read(contentsOf: file)
            if let id = output.recordID, id != record {
                throw .recordIDMismatch(file: file.path, found: id, expected: record)
            }
            let missing = classes.filter { !output.classCodes.contains($0) }
            guard missing.isEmpty else { throw .missingClassColumns(file: file.path, classes: missing) }
            let chosen = output.classCodes.indices.filter { output.binaryOutputs[$0] }
            guard chosen.count == 1, let predicted = classes.firstIndex(of: output.classCodes[chosen[0]]) else {
                throw .malformedOutput(file: file.path, reason: "a single-label output needs exactly one decision 1, at one "
                    + "of the classes \(classes.joined(separator: ", ")); it has \(chosen.count)"
                    + (chosen.count == 1 ? " at \(output.classCodes[chosen[0]])" : ""))
            }
            guard let truth = classes.firstIndex(of: label) else {
                throw .unreadable(file: reference.path, reason: "label \(label) of record \(record) is not one of its classes")
            }
            trueClasses.append(truth)
            predictedClasses.append(predicted)
        }
        recordIDs = labels.map(\.key)
        do {
            scores = try SingleLabelScores(trueClasses: trueClasses, predictedClasses: predictedClasses, classes: classes)
        } catch {
            throw .malformedOutput(file: outputDirectory.path, reason: "\(error)")
        }
    }
}
