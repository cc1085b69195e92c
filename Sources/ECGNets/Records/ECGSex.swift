import Foundation

/// A patient's sex as the Challenge headers record it in their `# Sex:` comment.
public enum ECGSex: String, Sendable, Equatable, CaseIterable {
    case male = "Male"
    case female = "Female"
    case unknown = "Unknown"

    /// Reads the header spelling: `Male`/`M`, `Female`/`F` in any case, and `Unknown`, `NaN` or nothing as
    /// unknown (the spellings the Challenge's own helper code accepts); nil for anything else.
    public init?(headerText: String) {
        switch headerText.trimmingCharacters(in: .whitespaces).lowercased() {
        case "male", "m": self = .male
        case "female", "f": self = .female
        case "unknown", "nan", "": self = .unknown
        default: return nil
        }
    }
}
