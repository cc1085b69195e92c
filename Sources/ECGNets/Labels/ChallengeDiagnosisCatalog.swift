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
