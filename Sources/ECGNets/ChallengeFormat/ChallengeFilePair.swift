import Foundation

/// A record's label header and its classifier output file, paired by name as the official scorer pairs
/// them: `<record>.hea` in the label directory, `<record>.csv` in the output directory.
public struct ChallengeFilePair: Sendable, Equatable {
    /// The record name, the header's file name without its extension.
    public let record: String
    /// The label header.
    public let labelFile: URL
    /// The classifier output file.
    public let outputFile: URL

    /// Pairs every `.hea` file of `labelDirectory` (any case of the extension, hidden files skipped,
    /// sorted by name) with its output file; output files without a header are ignored.
    public static func find(labelDirectory: URL, outputDirectory: URL)
        throws(ChallengeFormatError) -> [ChallengeFilePair] {
        try requireDirectory(labelDirectory, role: "label")
        try requireDirectory(outputDirectory, role: "output")
        let names: [String]
        do {
            names = try FileManager.default.contentsOfDirectory(atPath: labelDirectory.path)
        } catch {
            throw .unreadable(file: labelDirectory.path, reason: error.localizedDescription)
        }
        var pairs: [ChallengeFilePair] = []
        for name in names.sorted() where !name.hasPrefix(".") && name.lowercased().hasSuffix(".hea") {
            let labelFile = labelDirectory.appendingPathComponent(name)
            guard isRegularFile(labelFile) else { continue }
            let record = String(name.dropLast(4))
            let outputFile = outputDirectory.appendingPathComponent(record + ".csv")
            guard isRegularFile(outputFile) else {
                throw .missingOutput(labelFile: labelFile.path, outputFile: outputFile.path)
            }
            pairs.append(ChallengeFilePair(record: record, labelFile: labelFile, outputFile: outputFile))
        }
        guard !pairs.isEmpty else { throw .noLabelFiles(directory: labelDirectory.path) }
        return pairs
    }

    private static func requireDirectory(_ url: URL, role: String) throws(ChallengeFormatError) {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory), isDirectory.boolValue else {
            throw .missingDirectory(path: url.path, role: role)
        }
    }

    private static func isRegularFile(_ url: URL) -> Bool {
        var isDirectory: ObjCBool = false
        return FileManager.default.fileExists(atPath: url.path, isDirectory: &isDirectory) && !isDirectory.boolValue
    }
}
