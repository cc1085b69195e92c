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
