import ECGNets
import Foundation
import Testing

@Suite struct WFDBHeaderTests {
    private let file = URL(fileURLWithPath: "/records/test.hea")

    /// Every field of a Challenge header, checked against the text of E07500.hea.
    @Test func parsesTheChallengeHeaderOfE07500() throws {
        let header = try WFDBHeader.read(from: RecordsTestSupport.wfdb("E07500.hea"))
        #expect(header.recordName == "E07500")
        #expect(header.samplingFrequency == 500)
        #expect(header.sampleCount == 5000)
        #expect(header.signals.map(\.leadName)
            == ["I", "II", "III", "aVR", "aVL", "aVF", "V1", "V2", "V3", "V4", "V5", "V6"])
        let lead2 = header.signals[1]
        #expect(lead2.fileName == "E07500.mat")
        #expect(lead2.format == .format16)
        #expect(lead2.byteOffset == 24)
        #expect(lead2.gain == 1000)
        #expect(lead2.baseline == 0)
        #expect(lead2.units == "mV")
        #expect(lead2.adcResolution == 16)
        #expect(lead2.adcZero == 0)
        #expect(lead2.initialValue == -58)
        #expect(lead2.checksum == -5598)
        #expect(lead2.blockSize == 0)
        #expect(header.comments.age == 78)
        #expect(header.comments.sex == .male)
        #expect(header.comments.diagnosisCodes == ["67741000119109", "426177001"])
        #expect(header.comments.fields == [.init(key: "Rx", value: "Unknown"), .init(key: "Hx", value: "Unknown")])
    }

    @Test func parsesTheFormat212Header() throws {
        let header = try WFDBHeader.read(from: RecordsTestSupport.wfdb("E07500_fmt212.hea"))
        #expect(header.signals.allSatisfy { $0.format == .format212 && $0.byteOffset == 0 && $0.adcResolution == 12 })
        #expect(header.signals[9].checksum == 60849)
        #expect(header.signals[9].leadName == "V4")
    }

    /// The MIT-BIH record 100 header: base time and date, ADC zero 1024 as the baseline, no units.
    @Test func parsesRecordLineExtrasAndDefaultsBaselineToADCZero() throws {
        let text = "100 2 360 650000 0:0:0 01/01/2000\n"
            + "100.dat 212 200 11 1024 995 -22131 0 MLII\n"
            + "100.dat 212 200 11 1024 1011 20052 0 V5\n"
            + "# 69 M 1085 1629 x1\n"
        let header = try WFDBHeader.parse(text, file: file)
        #expect(header.samplingFrequency == 360)
        #expect(header.sampleCount == 650_000)
        #expect(header.baseTime == "0:0:0")
        #expect(header.baseDate == "01/01/2000")
        #expect(header.signals[0].baseline == 1024)
        #expect(header.signals[0].units == "mV")
        #expect(header.signals[0].adcResolution == 11)
        #expect(header.signals[1].initialValue == 1011)
        #expect(header.signals[1].leadName == "V5")
        #expect(header.comments.notes == ["69 M 1085 1629 x1"])
    }

    /// WFDB defaults: 250 Hz, gain 200 when absent or zero, baseline = ADC zero, resolution from the format.
    @Test func appliesTheWFDBDefaults() throws {
        let minimal = try WFDBHeader.parse("rec 1\nrec.dat 16\n", file: file)
        #expect(minimal.samplingFrequency == 250)
        #expect(minimal.sampleCount == nil)
        let signal = minimal.signals[0]
        #expect(signal.gain == 200)
        #expect(signal.baseline == 0)
        #expect(signal.units == "mV")
        #expect(signal.adcResolution == 16)
        #expect(signal.initialValue == nil)
        #expect(signal.checksum == nil)
        #expect(signal.leadName == "")

        let zeroGain = try WFDBHeader.parse("rec 1 500/1000(0) 10\nrec.dat 212 0 12 7\n", file: file)
        #expect(zeroGain.samplingFrequency == 500)
        #expect(zeroGain.signals[0].gain == 200)
        #expect(zeroGain.signals[0].baseline == 7)
        #expect(zeroGain.signals[0].adcResolution == 12)
    }

    @Test func readsBaselineUnitsAndDescriptionsWithSpaces() throws {
        let text = "rec 1 1000 10\r\nrec.dat 16+512 2.5(-10)/uV 16 3 4 5 0 ECG lead II\r\n"
        let signal = try WFDBHeader.parse(text, file: file).signals[0]
        #expect(signal.byteOffset == 512)
        #expect(signal.gain == 2.5)
        #expect(signal.baseline == -10)
        #expect(signal.units == "uV")
        #expect(signal.adcZero == 3)
        #expect(signal.leadName == "ECG lead II")
    }

    @Test func readsUnknownAgesSexSpellingsAndOtherComments() throws {
        let base = "rec 0\n"
        let nan = try WFDBHeader.parse(base + "#Age: NaN\n#Sex: F\n#Dx: 426783006\n", file: file).comments
        #expect(nan.age == nil)
        #expect(nan.sex == .female)
        #expect(nan.diagnosisCodes == ["426783006"])
        let unknown = try WFDBHeader.parse(base + "# Age: Unknown\n# Sex: Unknown\n# Dx: \n# Sx: chest pain\n",
                                           file: file).comments
        #expect(unknown.age == nil)
        #expect(unknown.sex == .unknown)
        #expect(unknown.diagnosisCodes == [])
        #expect(unknown.fields == [.init(key: "Sx", value: "chest pain")])
        let fractional = try WFDBHeader.parse(base + "# Age: 56.5\n# Dx: 164889003, 59118001\n", file: file).comments
        #expect(fractional.age == 56.5)
        #expect(fractional.diagnosisCodes == ["164889003", "59118001"])
    }
}
