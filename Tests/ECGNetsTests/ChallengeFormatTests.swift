import ECGNets
import Foundation
import Testing

/// Reading `#Dx:` lines and reading and writing Challenge output files.
@Suite struct ChallengeFormatTests {
    /// Codes come from every `#Dx` line, trimmed, with CRLF line ends.
    @Test func dxLineIsRead() throws {
        let header = "R1 12 500 5000\r\n#Age: 60\r\n#Dx: 426783006, 164889003 ,\r\n#Rx: none\r\n#Dx: 59118001\r\n"
        #expect(try HeaderDxLabels.parse(header, file: "R1.hea") == ["426783006", "164889003", "59118001"])
    }

    /// The 2021 training set's form `# Dx:` (a space after the `#`) is read as well; other comments are not.
    @Test func dxLineWithASpaceIsRead() throws {
        let header = "E1 12 500 5000\n# Age: 65\n# Sex: Male\n# Dx: 253352002,427084000\n# Sx: none\n"
        #expect(try HeaderDxLabels.parse(header, file: "E1.hea") == ["253352002", "427084000"])
    }

    /// A header without a `#Dx:` line, or with one without its colon, is an error naming the file.
    @Test func missingOrMalformedDxLineIsAnError() {
        #expect(throws: ChallengeFormatError.missingDxLine(file: "R2.hea")) {
            _ = try HeaderDxLabels.parse("R2 12 500 5000\n#Age: 60\n", file: "R2.hea")
        }
        #expect(throws: ChallengeFormatError.malformedDxLine(file: "R3.hea", line: 2)) {
            _ = try HeaderDxLabels.parse("R3 12 500 5000\n#Dx 426783006\n", file: "R3.hea")
        }
        #expect(ChallengeFormatError.missingDxLine(file: "R2.hea").description.contains("R2.hea"))
    }

    /// A well-formed file: record id, columns, official boolean spellings, spaces around fields.
    @Test func strictReadingOfAWellFormedFile() throws {
        let text = "#R7\n426783006, 164889003,59118001\nTrue,0, t\n0.75,1e-3 , 0\n"
        let output = try ChallengeOutputReader.parse(text, file: "R7.csv")
        #expect(output == ChallengeOutput(recordID: "R7", classCodes: ["426783006", "164889003", "59118001"],
                                          binaryOutputs: [true, false, true], probabilities: [0.75, 0.001, 0]))
        let withoutID = try ChallengeOutputReader.parse("426783006\n1\n0.5\n", file: "R8.csv")
        #expect(withoutID.recordID == nil)
    }

    /// Strict reading names the file, line and field of a value it cannot read.
    @Test func strictReadingRejectsUnreadableFields() {
        #expect(throws: ChallengeFormatError.invalidField(file: "R.csv", line: 3, field: 2, value: "yes",
                                                          expected: "a binary decision (0 or 1)")) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,yes\n0.1,0.2\n", file: "R.csv")
        }
        #expect(throws: ChallengeFormatError.invalidField(file: "R.csv", line: 4, field: 1, value: "abc",
                                                          expected: "a probability between 0 and 1")) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,1\nabc,0.2\n", file: "R.csv")
        }
        #expect(throws: ChallengeFormatError.invalidField(file: "R.csv", line: 4, field: 2, value: "nan",
                                                          expected: "a probability between 0 and 1")) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,1\n0.1,nan\n", file: "R.csv")
        }
        #expect(throws: ChallengeFormatError.invalidField(file: "R.csv", line: 4, field: 2, value: "1.0001",
                                                          expected: "a probability between 0 and 1")) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,1\n0.1,1.0001\n", file: "R.csv")
        }
        #expect(throws: ChallengeFormatError.malformedOutput(
            file: "R.csv", reason: "its lines have different numbers of fields (line 2: 2, line 3: 2, line 4: 1)")) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,1\n0.1\n", file: "R.csv")
        }
        #expect(throws: ChallengeFormatError.malformedOutput(file: "R.csv", reason: "it has 4 line(s) of values, expected 3")) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,1\n0.1,0.2\n0.3,0.4\n", file: "R.csv")
        }
    }

    /// Official reading: unknown decisions are negative, unreadable probabilities 0, NaN kept (left out of
    /// the mean later), extra lines of the same length ignored; layout errors still throw.
    @Test func officialReadingIsLenientWithFields() throws {
        let output = try ChallengeOutputReader.parse("#R\n1,2,3\nyes,1,T\nabc,nan,0.5\n9,9,9\n", file: "R.csv",
                                                     parsing: .official)
        #expect(output.binaryOutputs == [false, true, true])
        #expect(output.probabilities[0] == 0 && output.probabilities[1].isNaN && output.probabilities[2] == 0.5)
        #expect(throws: ChallengeFormatError.self) {
            _ = try ChallengeOutputReader.parse("#R\n1,2\n0,1\n", file: "R.csv", parsing: .official)
        }
    }

    /// The writer's exact text, and reading it back gives the same values bit for bit.
    @Test func writerTextReadsBackExactly() throws {
        let output = ChallengeOutput(recordID: "A01", classCodes: ["426783006", "164889003"],
                                     binaryOutputs: [true, false], probabilities: [0.25, 1e-5])
        #expect(try ChallengeOutputWriter.text(for: output) == "#A01\n426783006,164889003\n1,0\n0.25,1e-05\n")

        // Values whose shortest decimal forms are long, tiny or subnormal.
        let awkward = [0.1, 1.0 / 3.0, 2.0 / 3.0, 0.1 + 0.2, 1 - 1e-16, 1e-300, Double.leastNonzeroMagnitude * 7,
                       123_456.789, 0.5]
        let probabilities = (0..<27).map { awkward[$0 % awkward.count] * (1 + Double($0) * 1e-3) }
        let random = ChallengeOutput(recordID: "B", classes: .challenge2020,
                                     binaryOutputs: probabilities.map { $0 > 0.5 }, probabilities: probabilities)
        // Read officially: some of these values exceed 1, which strict reading refuses (issue 14 item 9).
        let readBack = try ChallengeOutputReader.parse(ChallengeOutputWriter.text(for: random), file: "B.csv",
                                                       parsing: .official)
        #expect(readBack == random)
        #expect(readBack.probabilities.map(\.bitPattern) == probabilities.map(\.bitPattern))
    }

    /// The writer refuses what the format cannot hold.
    @Test func writerRejectsInvalidOutputs() {
        let valid = ChallengeOutput(recordID: "R", classCodes: ["1", "2"], binaryOutputs: [true, false],
                                    probabilities: [0.1, 0.2])
        var noID = valid
        noID.recordID = nil
        var slash = valid
        slash.recordID = "../R"
        var short = valid
        short.probabilities = [0.1]
        var infinite = valid
        infinite.probabilities = [0.1, .infinity]
        var comma = valid
        comma.classCodes = ["1,3", "2"]
        for invalid in [noID, slash, short, infinite, comma] {
            #expect(throws: ChallengeFormatError.self) { _ = try ChallengeOutputWriter.text(for: invalid) }
        }
    }
}
