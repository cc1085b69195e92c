import Foundation

/// Where `prepare` takes a record's labels from, which also fixes the task's classes and label kind: the `# Dx:`
/// codes of its header mapped onto a class list (multi-label), or a CinC 2017 style `REFERENCE.csv` that gives
/// each record one class (single-label).
public enum ECGLabelSource: Sendable, Equatable, CustomStringConvertible {
    /// The 27 scored classes of the 2020 Challenge (equivalent pairs set together), the default.
    case challenge2020
    /// The 30 scored classes of the 2021 Challenge.
    case challenge2021
    /// A user's SNOMED-CT class list (see `classes(fromListAt:)`), each code its own class.
    case snomedList(classes: [ECGTask.Class], path: String)
    /// `RECORD,LABEL` lines (CinC 2017: `A00001,N`), one label per record; `classes` in output order.
    case reference(labels: [String: String], classes: [ECGTask.Class], path: String)

    public var description: String {
        switch self {
        case .challenge2020: "the 27 scored classes of the 2020 Challenge"
        case .challenge2021: "the 30 scored classes of the 2021 Challenge"
        case let .snomedList(classes, path): "the \(classes.count) SNOMED-CT classes of \(path)"
        case let .reference(labels, classes, path): "the labels of \(labels.count) records in \(path) (\(classes.count) classes)"
        }
    }

    /// One line for the dataset's `preparation_options` and the cache key.
    var canonicalDescription: String {
        switch self {
        case .challenge2020: "challenge2020"
        case .challenge2021: "challenge2021"
        case let .snomedList(classes, _): "snomed:" + classes.map(\.code).joined(separator: ",")
        case let .reference(labels, classes, path):
            "reference:\(path):\(labels.count):" + classes.map(\.code).joined(separator: ",")
        }
    }

    /// The record-to-label map of a reference source (empty for the others).
    public var referenceLabels: [String: String] {
        if case let .reference(labels, _, _) = self { return labels }
        return [:]
    }

    public var labelKind: ECGTask.LabelKind {
        if case .reference = self { return .singleLabel }
        return .multiLabel
    }

    /// The output classes.
    public var classes: [ECGTask.Class] {
        switch self {
        case .challenge2020: ECGTask.classes(of: .challenge2020)
        case .challenge2021: ECGTask.classes(of: .challenge2021)
        case let .snomedList(classes, _), let .reference(_, classes, _): classes
        }
    }

    /// A class list file: one SNOMED-CT code per line, optionally followed by `,NAME`; or a Challenge class map
    /// (a CSV whose header names columns `SNOMEDCTCode` and `Abbreviation`, as dx_mapping_scored.csv). Blank
    /// lines and lines starting with `#` are ignored; a code without a name is named by the Challenge catalog.
    public static func snomedList(at url: URL) throws(ECGTaskError) -> ECGLabelSource {
        let lines = try Self.lines(of: url)
        var classes: [ECGTask.Class] = []
        var codeColumn = 0, nameColumn: Int? = 1
        for (number, line) in lines {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            if classes.isEmpty, let column = fields.firstIndex(of: "SNOMEDCTCode") {
                codeColumn = column
                nameColumn = fields.firstIndex(of: "Abbreviation")
                continue
            }
            guard fields.indices.contains(codeColumn), !fields[codeColumn].isEmpty,
                  fields[codeColumn].allSatisfy(\.isNumber) else {
                throw .invalidFile(path: url.path, line: number, reason: "'\(line)' does not start with a numeric "
                    + "SNOMED-CT code; write one code per line, optionally followed by ,NAME")
            }
            let code = fields[codeColumn]
            let given = nameColumn.flatMap { fields.indices.contains($0) ? fields[$0] : nil } ?? ""
            let name = given.isEmpty ? ChallengeDiagnosisCatalog.diagnosis(for: code)?.abbreviation ?? code : given
            guard !classes.contains(where: { $0.code == code }) else {
                throw .invalidFile(path: url.path, line: number, reason: "code \(code) is listed twice")
            }
            classes.append(ECGTask.Class(code: code, name: name))
        }
        guard !classes.isEmpty else { throw .invalidFile(path: url.path, line: nil, reason: "it lists no class") }
        return .snomedList(classes: classes, path: url.path)
    }

    /// A CinC 2017 style reference file: `RECORD,LABEL` per line (no header). Labels that are all among N, A, O
    /// and ~ give the four CinC 2017 classes in that order (whether or not each occurs); other label sets give
    /// their labels in sorted order.
    public static func reference(at url: URL) throws(ECGTaskError) -> ECGLabelSource {
        var labels: [String: String] = [:]
        for (number, line) in try Self.lines(of: url) {
            let fields = line.split(separator: ",", omittingEmptySubsequences: false)
                .map { $0.trimmingCharacters(in: .whitespaces) }
            guard fields.count == 2, !fields[0].isEmpty, !fields[1].isEmpty else {
                throw .invalidFile(path: url.path, line: number, reason: "'\(line)' is not RECORD,LABEL (e.g. A00001,N)")
            }
            if let previous = labels[fields[0]], previous != fields[1] {
                throw .invalidFile(path: url.path, line: number, reason: "record \(fields[0]) is labelled both "
                    + "\(previous) and \(fields[1])")
            }
            labels[fields[0]] = fields[1]
        }
        guard !labels.isEmpty else { throw .invalidFile(path: url.path, line: nil, reason: "it labels no record") }
        let found = Set(labels.values)
        let cinc2017 = ECGTask.cinc2017Classes
        let classes = found.isSubset(of: cinc2017.map(\.code)) ? cinc2017
            : found.sorted().map { ECGTask.Class(code: $0, name: $0) }
        return .reference(labels: labels, classes: classes, path: url.path)
    }

    /// The non-blank, non-comment lines of a text file with their 1-based numbers.
    static func lines(of url: URL) throws(ECGTaskError) -> [(Int, String)] {
        let text: String
        do {
            text = ChallengeTextFile.withoutByteOrderMark(try String(contentsOf: url, encoding: .utf8))
        } catch {
            throw .invalidFile(path: url.path, line: nil, reason: "cannot be read (\(error.localizedDescription))")
        }
        return text.split(separator: "\n", omittingEmptySubsequences: false).enumerated().compactMap { index, line in
            let trimmed = line.trimmingCharacters(in: .whitespacesAndNewlines)
            return trimmed.isEmpty || trimmed.hasPrefix("#") ? nil : (index + 1, trimmed)
        }
    }
}
