import ECGNets
import Foundation
import Testing

/// The embedded class maps and weights against copies of the official CSV files, and the mapping of Dx
/// codes and output columns onto them.
@Suite struct ChallengeClassesTests {
    private let classes = ChallengeClasses.challenge2020

    /// The 27 classes, their order, abbreviations and descriptions are those of dx_mapping_scored.csv.
    @Test func trainingClassesAreTheOfficialScoredClasses() throws {
        let rows = try ChallengeFixtures.csvRows(ChallengeFixtures.tables.appendingPathComponent("2020/dx_mapping_scored.csv"))
        let official = rows.dropFirst().map { SNOMEDClass(code: $0[1], abbreviation: $0[2], description: $0[0]) }
        #expect(classes.count == 27)
        #expect(classes.classes == official)
        #expect(classes.normalCode == "426783006")
        #expect(classes.index(of: "270492004") == 0)
        #expect(classes.index(of: "17338001") == 26)
        #expect(classes.index(of: "164884008") == nil)
    }

    /// The unscored map is embedded too: each of its codes is known but has no output column.
    @Test func unscoredCodesAreKnownButNotClasses() throws {
        let rows = try ChallengeFixtures.csvRows(ChallengeFixtures.tables.appendingPathComponent("2020/dx_mapping_unscored.csv"))
        #expect(rows.count - 1 == 84)
        for row in rows.dropFirst() {
            let official = SNOMEDClass(code: row[1], abbreviation: row[2], description: row[0])
            #expect(ChallengeDiagnosisCatalog.diagnosis(for: row[1]) == official)
            #expect(classes.index(of: row[1]) == nil)
        }
    }

    /// 2020 scoring: the three pairs merged into 24 classes, named as the official scorer names them, with
    /// weights.csv's values (the merged rows and columns are identical there, as the scorer asserts).
    @Test func scoring2020MergesTheEquivalentPairs() throws {
        let scoring = ScoringClasses.challenge2020
        let official = try ChallengeFixtures.officialScores(
            ChallengeFixtures.reference.appendingPathComponent("expected.json"))
        #expect(scoring.count == 24)
        #expect(scoring.weights.count == 24 * 24)
        #expect(scoring.classes.map(\.representative) == official.classes)
        #expect(scoring.classes.filter { $0.codes.count > 1 }.map(\.codes)
                == [["713427006", "59118001"], ["284470004", "63593006"], ["427172004", "17338001"]])
        #expect(scoring.classes[try #require(scoring.normalIndex)].codes == ["426783006"])
        #expect(scoring.index(of: "59118001") == scoring.index(of: "713427006"))

        let table = try weightTable("2020/weights.csv")
        for pair in classes.equivalentCodes {
            let first = try #require(table.header.firstIndex(of: pair[0]))
            let second = try #require(table.header.firstIndex(of: pair[1]))
            #expect(table.values[first] == table.values[second])
            #expect(table.values.map { $0[first] } == table.values.map { $0[second] })
        }
        try expectWeights(scoring, equal: table)
    }

    /// 2021 scoring: 26 classes from the `a|b` header of its weights.csv, 26 × 26 weights equal to the file's.
    @Test func scoring2021LoadsWithTheRightShape() throws {
        let scoring = ScoringClasses.challenge2021
        let table = try weightTable("2021/weights.csv")
        #expect(scoring.count == 26)
        #expect(scoring.weights.count == 26 * 26)
        #expect(scoring.classes.map { $0.codes.joined(separator: "|") } == table.header)
        #expect(scoring.classes[try #require(scoring.normalIndex)].codes == ["426783006"])
        #expect(scoring.index(of: "733534002") == scoring.index(of: "164909002"))
        #expect(scoring.index(of: "6374002") != nil)
        #expect(scoring.classes.first { $0.contains("733534002") }?.abbreviation == "CLBBB|LBBB")
        try expectWeights(scoring, equal: table)
    }

    /// Equivalent codes mark both columns (or only their own); unscored and unknown codes are reported and
    /// set no label.
    @Test func dxCodesEncodeToTrainingTargetsAndScoringLabels() throws {
        let dx = ["59118001", " 426783006 ", "164884008", "999999999", ""]
        let both = classes.encode(dxCodes: dx)
        let rbbb = try #require(classes.index(of: "59118001"))
        let crbbb = try #require(classes.index(of: "713427006"))
        let normal = try #require(classes.index(of: "426783006"))
        #expect(both.trainingTargets.count == 27)
        #expect(Set(both.trainingTargets.indices.filter { both.trainingTargets[$0] == 1 }) == [rbbb, crbbb, normal])
        #expect(both.trainingTargets.allSatisfy { $0 == 0 || $0 == 1 })
        #expect(both.unscoredCodes == ["164884008"])
        #expect(both.unknownCodes == ["999999999"])
        let scoring = ScoringClasses.challenge2020
        let merged = try #require(scoring.index(of: "713427006"))
        #expect(both.scoringLabels.count == 24)
        #expect(Set(both.scoringLabels.indices.filter { both.scoringLabels[$0] }) == [merged, scoring.normalIndex])

        let own = classes.encode(dxCodes: dx, equivalents: .ownColumnOnly)
        #expect(Set(own.trainingTargets.indices.filter { own.trainingTargets[$0] == 1 }) == [rbbb, normal])
        #expect(own.scoringLabels == both.scoringLabels)
    }

    /// A record whose codes are all unscored carries no positive label.
    @Test func unscoredOnlyRecordHasNoPositiveLabel() {
        let encoding = classes.encode(dxCodes: ["164884008", "55930002"])
        #expect(encoding.trainingTargets.allSatisfy { $0 == 0 })
        #expect(encoding.scoringLabels.allSatisfy { !$0 })
        #expect(encoding.unscoredCodes == ["164884008", "55930002"])
        #expect(encoding.unknownCodes.isEmpty)
    }

    /// Output columns in any order: equivalent columns OR their decisions and average their probabilities,
    /// missing classes are negative with probability 0, unscored columns are ignored and listed.
    @Test func outputColumnsMergeOntoScoringClasses() throws {
        let scoring = ScoringClasses.challenge2020
        let merged = scoring.outputs(
            columnCodes: ["59118001", "999", "426783006", "713427006", "284470004"],
            binary: [false, true, true, true, false],
            probabilities: [0.2, 0.99, 0.7, 0.6, .nan])
        let rbbb = try #require(scoring.index(of: "59118001"))
        let pac = try #require(scoring.index(of: "284470004"))
        #expect(merged.binary[rbbb])
        #expect(abs(merged.probabilities[rbbb] - 0.4) < 1e-15)
        let normal = try #require(scoring.normalIndex)
        #expect(merged.binary[normal] && merged.probabilities[normal] == 0.7)
        #expect(!merged.binary[pac] && merged.probabilities[pac] == 0)
        #expect(merged.binary.filter { $0 }.count == 2)
        #expect(merged.probabilities.enumerated().allSatisfy { [rbbb, scoring.normalIndex].contains($0.offset) || $0.element == 0 })
        #expect(merged.ignoredCodes == ["999"])

        // An `a|b` column is split by the 2021 scorer only.
        let column = (codes: ["733534002|164909002"], binary: [true], probabilities: [0.8])
        let lbbb2021 = try #require(ScoringClasses.challenge2021.index(of: "164909002"))
        let outputs2021 = ScoringClasses.challenge2021.outputs(columnCodes: column.codes, binary: column.binary,
                                                               probabilities: column.probabilities)
        #expect(outputs2021.binary[lbbb2021] && outputs2021.probabilities[lbbb2021] == 0.8)
        let outputs2020 = scoring.outputs(columnCodes: column.codes, binary: column.binary, probabilities: column.probabilities)
        #expect(outputs2020.binary.allSatisfy { !$0 })
        #expect(outputs2020.ignoredCodes == column.codes)
    }

    /// A weights CSV: header entries (as written, `a|b` kept) and the values by row.
    private func weightTable(_ path: String) throws -> (header: [String], values: [[Double]]) {
        let rows = try ChallengeFixtures.csvRows(ChallengeFixtures.tables.appendingPathComponent(path))
        let header = Array(rows[0].dropFirst())
        let values = try rows.dropFirst().map { row in try row.dropFirst().map { try #require(Double($0)) } }
        #expect(rows.dropFirst().map { $0[0] } == header)
        return (header, values)
    }

    /// Each merged class's weights are the CSV's at the first column holding one of its codes.
    private func expectWeights(_ scoring: ScoringClasses, equal table: (header: [String], values: [[Double]])) throws {
        let columns = try scoring.classes.map { scoringClass in
            try #require(table.header.firstIndex { entry in
                entry.split(separator: "|").contains { scoringClass.contains(String($0)) }
            })
        }
        for (row, tableRow) in columns.enumerated() {
            for (column, tableColumn) in columns.enumerated() {
                #expect(scoring.weight(label: row, output: column) == table.values[tableRow][tableColumn])
            }
        }
    }
}
