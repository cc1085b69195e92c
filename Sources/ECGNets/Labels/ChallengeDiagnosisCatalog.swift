/// Every diagnosis the 2020 and 2021 Challenge class maps name, scored or not, so a record's Dx codes can
/// be told apart as scored, known-but-unscored or unknown.
public enum ChallengeDiagnosisCatalog {
    /// The diagnoses by code; where both years name a code the 2020 entry is kept (they agree).
    public static let diagnoses: [String: SNOMEDClass] = {
        var byCode: [String: SNOMEDClass] = [:]
        let tables = [ChallengeTables.scored2020, ChallengeTables.unscored2020,
                      ChallengeTables.scored2021, ChallengeTables.unscored2021]
        for table in tables {
            for diagnosis in table where byCode[diagnosis.code] == nil {
                byCode[diagnosis.code] = diagnosis
            }
        }
        return byCode
    }()

    /// The diagnosis a SNOMED-CT code stands for, or `nil` if no Challenge class map names it.
    public static func diagnosis(for code: String) -> SNOMEDClass? {
        diagnoses[code]
    }
}

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

/// Namespace of the PhysioNet/CinC Challenge tables generated into `Data/` from the official CSV files
/// by `scripts/generate_challenge_tables.py`, so the class maps and weights live in one reviewed place.
enum ChallengeTables {}

/// A square table of Challenge-metric weights exactly as the CSV gives it: one entry per header column
/// (equivalent codes written `a|b` listed together) and the values row-major, rows in the same order.
struct WeightTable: Sendable {
    let classes: [[String]]
    let values: [Double]
}

extension ChallengeTables {
    /// SNOMED-CT code of sinus rhythm, the class the Challenge metric's "inactive" classifier always outputs.
    static let normalCode = "426783006"

    /// The codes the 2020 scorer counts as one diagnosis, representative first (evaluate_12ECG_score.py of
    /// physionetchallenges/evaluation-2020 and the notes of dx_mapping_scored.csv).
    static let equivalentCodes2020 = [
        ["713427006", "59118001"],
        ["284470004", "63593006"],
        ["427172004", "17338001"],
    ]
}
