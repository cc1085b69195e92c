import Foundation

/// The comment lines of a Challenge header: the patient's age and sex, the `Dx` SNOMED-CT codes, and every other
/// `# Key: value` comment kept in order.
public struct WFDBHeaderComments: Sendable, Equatable {
    /// A `# Key: value` comment other than Age, Sex and Dx (e.g. `Rx`, `Hx`, `Sx`).
    public struct Field: Sendable, Equatable {
        public var key: String
        public var value: String

        /// A comment `# key: value`.
        public init(key: String, value: String) {
            self.key = key
            self.value = value
        }
    }

    /// Age in years; nil when the header says `NaN` or `Unknown` or has no `Age` comment.
    public var age: Double?
    public var sex: ECGSex
    /// The `Dx` codes exactly as written (SNOMED-CT concept ids), in header order.
    public var diagnosisCodes: [String]
    /// The other `# Key: value` comments, in header order.
    public var fields: [Field]
    /// Comment lines without a `Key:` prefix, without the leading `#`.
    public var notes: [String]

    /// Comments with the given demographics, diagnoses and further lines.
    public init(age: Double? = nil, sex: ECGSex = .unknown, diagnosisCodes: [String] = [], fields: [Field] = [],
                notes: [String] = []) {
        self.age = age
        self.sex = sex
        self.diagnosisCodes = diagnosisCodes
        self.fields = fields
        self.notes = notes
    }

    /// Parses comment lines (each starting with `#`) in header order; Age, Sex and Dx may each appear once.
    static func parse(_ lines: [(number: Int, text: Substring)], file: URL) throws(WFDBRecordError)
        -> WFDBHeaderComments {
        var comments = WFDBHeaderComments()
        var seen: Set<String> = []
        for (number, text) in lines {
            let body = text.drop(while: { $0 == "#" }).trimmingCharacters(in: .whitespaces)
            guard let colon = body.firstIndex(of: ":") else {
                if !body.isEmpty { comments.notes.append(body) }
                continue
            }
            let key = body[..<colon].trimmingCharacters(in: .whitespaces)
            let value = body[body.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            func malformed(_ reason: String) -> WFDBRecordError {
                .malformedHeaderLine(file, line: number, text: String(text), reason: reason)
            }
            let standardKey = key.lowercased()
            if ["age", "sex", "dx"].contains(standardKey), !seen.insert(standardKey).inserted {
                throw malformed("\(key) appears more than once")
            }
            switch standardKey {
            case "age":
                comments.age = try parseAge(value, malformed: malformed)
            case "sex":
                guard let sex = ECGSex(headerText: value) else {
                    throw malformed("Sex \"\(value)\" is not Male, Female, M, F or Unknown")
                }
                comments.sex = sex
            case "dx":
                comments.diagnosisCodes = try parseDiagnosisCodes(value, lineNumber: number, file: file)
            default:
                comments.fields.append(Field(key: key, value: value))
            }
        }
        return comments
    }

    /// Reads an age in years; `NaN`, `Unknown` and an empty value mean unknown.
    private static func parseAge(_ text: String, malformed: (String) -> WFDBRecordError) throws(WFDBRecordError)
        -> Double? {
        if ["nan", "unknown", ""].contains(text.lowercased()) { return nil }
        guard let age = Double(text), age.isFinite, age >= 0 else {
            throw malformed("Age \"\(text)\" is neither a non-negative number nor NaN/Unknown")
        }
        return age
    }

    /// Splits a `Dx` value at commas; every code must be a non-empty string of digits. An empty value means
    /// no diagnosis.
    private static func parseDiagnosisCodes(_ text: String, lineNumber: Int, file: URL) throws(WFDBRecordError)
        -> [String] {
        guard !text.isEmpty else { return [] }
        var codes: [String] = []
        for token in text.split(separator: ",", omittingEmptySubsequences: false) {
            let code = token.trimmingCharacters(in: .whitespaces)
            guard !code.isEmpty, code.allSatisfy(\.isASCIIDigit) else {
                throw .invalidDiagnosisCode(file, line: lineNumber, code: code)
            }
            codes.append(code)
        }
        return codes
    }
}
