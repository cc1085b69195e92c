/// A SNOMED-CT diagnosis as the Challenge class maps name it: its code, the Challenge's abbreviation and
/// its description.
public struct SNOMEDClass: Sendable, Hashable, Codable {
    public let code: String
    public let abbreviation: String
    public let description: String

    public init(code: String, abbreviation: String, description: String) {
        self.code = code
        self.abbreviation = abbreviation
        self.description = description
    }
}
