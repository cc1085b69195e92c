import Foundation

/// One signal specification line of a WFDB header: where a lead's samples are stored and how ADC units map to
/// physical units (https://physionet.org/physiotools/wag/header-5.htm).
///
/// Syntax: `file format[xspf][:skew][+offset] [gain[(baseline)][/units] [resolution [zero [initial [checksum
/// [blocksize [description]]]]]]]`. Defaults follow the WFDB specification: gain 200 adu per unit when absent or
/// zero, baseline = ADC zero, units mV, resolution from the format, ADC zero 0, block size 0.
public struct WFDBSignalSpecification: Sendable, Equatable {
    /// The signal file's name, relative to the header's directory.
    public var fileName: String
    public var format: WFDBSignalFormat
    /// Bytes to skip at the start of the signal file (24 for the Challenge's MAT v4 files: `16x1+24`).
    public var byteOffset: Int
    /// ADC units per physical unit.
    public var gain: Double
    /// The ADC value that corresponds to 0 physical units.
    public var baseline: Int
    public var units: String
    /// ADC resolution in bits.
    public var adcResolution: Int
    /// The ADC value at the middle of the ADC's input range.
    public var adcZero: Int
    /// The first sample's ADC value, or nil when the header does not state it.
    public var initialValue: Int?
    /// The 16-bit sum of all the signal's samples, or nil when the header does not state it.
    public var checksum: Int?
    public var blockSize: Int
    /// The signal's description; for ECGs the lead name (`I`, `II`, ..., `V6`).
    public var leadName: String

    /// The gain WFDB assumes when the header gives none or zero.
    public static let defaultGain = 200.0

    /// A signal specification with the WFDB defaults for everything not given.
    public init(fileName: String, format: WFDBSignalFormat, byteOffset: Int = 0,
                gain: Double = WFDBSignalSpecification.defaultGain, baseline: Int? = nil, units: String = "mV",
                adcResolution: Int? = nil, adcZero: Int = 0, initialValue: Int? = nil, checksum: Int? = nil,
                blockSize: Int = 0, leadName: String = "") {
        self.fileName = fileName
        self.format = format
        self.byteOffset = byteOffset
        self.gain = gain == 0 ? Self.defaultGain : gain
        self.baseline = baseline ?? adcZero
        self.units = units
        self.adcResolution = adcResolution ?? format.defaultADCResolution
        self.adcZero = adcZero
        self.initialValue = initialValue
        self.checksum = checksum
        self.blockSize = blockSize
        self.leadName = leadName
    }

    /// Parses one signal specification line; `signalNumber` (from 1) names the signal in errors when the line
    /// has no description.
    static func parse(_ line: Substring, lineNumber: Int, signalNumber: Int,
                      file: URL) throws(WFDBRecordError) -> WFDBSignalSpecification {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        func malformed(_ reason: String) -> WFDBRecordError {
            .malformedHeaderLine(file, line: lineNumber, text: String(line), reason: reason)
        }
        guard fields.count >= 2 else {
            throw malformed("a signal line needs at least a file name and a format")
        }
        let leadName = fields.count > 8 ? String(line[fields[8].startIndex...]).trimmingCharacters(in: .whitespaces) : ""
        let signalName = leadName.isEmpty ? "signal \(signalNumber)" : leadName

        let storage = try parseStorage(fields[1], signalName: signalName, file: file, malformed: malformed)
        var specification = WFDBSignalSpecification(fileName: String(fields[0]), format: storage.format,
                                                    byteOffset: storage.byteOffset, leadName: leadName)
        var baseline: Int?
        if fields.count > 2 {
            let calibration = try parseCalibration(fields[2], malformed: malformed)
            specification.gain = calibration.gain == 0 ? Self.defaultGain : calibration.gain
            baseline = calibration.baseline
            if let units = calibration.units { specification.units = units }
        }
        func integer(_ index: Int, _ name: String) throws(WFDBRecordError) -> Int? {
            guard fields.count > index else { return nil }
            guard let value = Int(fields[index]) else {
                throw malformed("\(name) \"\(fields[index])\" is not an integer")
            }
            return value
        }
        if let resolution = try integer(3, "ADC resolution") { specification.adcResolution = resolution }
        if let zero = try integer(4, "ADC zero") { specification.adcZero = zero }
        specification.baseline = baseline ?? specification.adcZero
        specification.initialValue = try integer(5, "initial value")
        specification.checksum = try integer(6, "checksum")
        if let blockSize = try integer(7, "block size") { specification.blockSize = blockSize }
        return specification
    }

    /// Parses `format[xspf][:skew][+offset]`, accepting only what the readers implement.
    private static func parseStorage(_ field: Substring, signalName: String, file: URL,
                                     malformed: (String) -> WFDBRecordError) throws(WFDBRecordError)
        -> (format: WFDBSignalFormat, byteOffset: Int) {
        var rest = field[...]
        func number() -> Int? {
            let digits = rest.prefix(while: \.isASCIIDigit)
            rest = rest.dropFirst(digits.count)
            return Int(digits)
        }
        guard let code = number() else { throw malformed("format \"\(field)\" does not start with a format code") }
        var samplesPerFrame = 1, skew = 0, byteOffset = 0
        if rest.first == "x" {
            rest = rest.dropFirst()
            guard let value = number() else { throw malformed("samples per frame in \"\(field)\" is not a number") }
            samplesPerFrame = value
        }
        if rest.first == ":" {
            rest = rest.dropFirst()
            guard let value = number() else { throw malformed("skew in \"\(field)\" is not a number") }
            skew = value
        }
        if rest.first == "+" {
            rest = rest.dropFirst()
            guard let value = number() else { throw malformed("byte offset in \"\(field)\" is not a number") }
            byteOffset = value
        }
        guard rest.isEmpty else { throw malformed("format field \"\(field)\" has unexpected text \"\(rest)\"") }
        guard let format = WFDBSignalFormat(rawValue: code), samplesPerFrame == 1, skew == 0 else {
            throw .unsupportedFormat(file, signal: signalName, format: String(field))
        }
        return (format, byteOffset)
    }

    /// Parses `gain[(baseline)][/units]`.
    private static func parseCalibration(_ field: Substring, malformed: (String) -> WFDBRecordError)
        throws(WFDBRecordError) -> (gain: Double, baseline: Int?, units: String?) {
        let gainText = field.prefix(while: { $0 != "(" && $0 != "/" })
        guard let gain = Double(gainText), gain.isFinite else {
            throw malformed("ADC gain \"\(gainText)\" is not a number")
        }
        var rest = field.dropFirst(gainText.count)
        var baseline: Int?
        if rest.first == "(" {
            guard let close = rest.firstIndex(of: ")"), let value = Int(rest[rest.index(after: rest.startIndex)..<close])
            else { throw malformed("baseline in \"\(field)\" is not an integer in parentheses") }
            baseline = value
            rest = rest[rest.index(after: close)...]
        }
        var units: String?
        if rest.first == "/" {
            units = String(rest.dropFirst())
            rest = rest.dropFirst(rest.count)
        }
        guard rest.isEmpty else { throw malformed("gain field \"\(field)\" has unexpected text \"\(rest)\"") }
        return (gain, baseline, units)
    }
}

extension Character {
    /// True for the ASCII digits 0-9 only (not other Unicode numerals).
    var isASCIIDigit: Bool { isASCII && isNumber }
}
