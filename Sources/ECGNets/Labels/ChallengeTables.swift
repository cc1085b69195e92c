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
