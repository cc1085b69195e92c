import Foundation

/// Reads only the diagnosis codes of a WFDB/Challenge header, from its `#Dx:` comment line, which is all
/// the scorer needs of a label file (the full header is read elsewhere).
public enum HeaderDxLabels {
    /// The SNOMED-CT codes of the `#Dx:` line(s) of the header at `url`.
    public static func read(contentsOf url: URL) throws(ChallengeFormatError) -> [String] {
        try parse(ChallengeTextFile.read(url), file: url.path)
    }

    /// The SNOMED-CT codes of the `#Dx:` line(s) of a header's text, in order, blanks dropped; several
    /// `#Dx` lines are joined, as the 2021 scorer does. The 2021 training set writes `# Dx:` (a space after the
    /// `#`), which the official scorer's prefix test misses; it is read too, so its headers score as they are.
    /// `file` names the header in errors.
    public static func parse(_ text: String, file: String) throws(ChallengeFormatError) -> [String] {
        var codes: [String] = []
        var foundDxLine = false
        for (offset, line) in ChallengeTextFile.lines(text).enumerated() {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard trimmed.hasPrefix("#"),
                  trimmed.dropFirst().trimmingCharacters(in: .whitespaces).hasPrefix("Dx") else { continue }
            guard let colon = trimmed.firstIndex(of: ":") else {
                throw .malformedDxLine(file: file, line: offset + 1)
            }
            foundDxLine = true
            codes += trimmed[trimmed.index(after: colon)...].split(separator: ",")
                .map { $0.trimmingCharacters(in: .whitespaces) }
                .filter { !$0.isEmpty }
        }
        guard foundDxLine else { throw .missingDxLine(file: file) }
        return codes
    }
}
