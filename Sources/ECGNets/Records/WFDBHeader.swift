import Foundation

/// A parsed WFDB header (`.hea`): the record line, one specification per signal and the comments
/// (https://physionet.org/physiotools/wag/header-5.htm).
public struct WFDBHeader: Sendable, Equatable {
    public var recordName: String
    /// Samples per second per signal (WFDB's default 250 when the header gives none).
    public var samplingFrequency: Double
    /// Samples per signal, or nil when the header does not say (then the signal files' lengths decide).
    public var sampleCount: Int?
    /// The base time `HH:MM:SS` as written, if any.
    public var baseTime: String?
    /// The base date `DD/MM/YYYY` as written, if any.
    public var baseDate: String?
    public var signals: [WFDBSignalSpecification]
    public var comments: WFDBHeaderComments

    /// The sampling frequency WFDB assumes when the record line gives none.
    public static let defaultSamplingFrequency = 250.0

    /// A header with the given record line, signals and comments.
    public init(recordName: String, samplingFrequency: Double = WFDBHeader.defaultSamplingFrequency,
                sampleCount: Int? = nil, baseTime: String? = nil, baseDate: String? = nil,
                signals: [WFDBSignalSpecification], comments: WFDBHeaderComments = WFDBHeaderComments()) {
        self.recordName = recordName
        self.samplingFrequency = samplingFrequency
        self.sampleCount = sampleCount
        self.baseTime = baseTime
        self.baseDate = baseDate
        self.signals = signals
        self.comments = comments
    }

    /// The largest header read (real ones have a few hundred bytes per signal).
    public static let maximumBytes = 1 << 20

    /// Reads and parses the header file at `url` (UTF-8, or Latin-1 when the bytes are not UTF-8; a UTF-8 byte order
    /// mark is dropped). A file larger than `maximumBytes` or holding a control byte other than tab and line ends
    /// (NUL, escape, ...) is refused: it is not a header.
    public static func read(from url: URL) throws(WFDBRecordError) -> WFDBHeader {
        var status = stat()
        if stat(url.path, &status) == 0 {
            // A FIFO or device would block or never end.
            guard (status.st_mode & S_IFMT) == S_IFREG else { throw .unreadableFile(url, reason: "it is not a regular file") }
            guard Int(status.st_size) <= maximumBytes else {
                throw .oversizedFile(url, bytes: Int(status.st_size), limit: maximumBytes)
            }
        }
        var data: Data
        do {
            data = try Data(contentsOf: url)
        } catch {
            throw .unreadableFile(url, reason: error.localizedDescription)
        }
        guard data.count <= maximumBytes else { throw .oversizedFile(url, bytes: data.count, limit: maximumBytes) }
        if data.starts(with: [0xEF, 0xBB, 0xBF]) { data.removeFirst(3) }
        var line = 1
        for byte in data {
            if byte == 0x0A { line += 1 }
            if byte == 0x7F || (byte < 0x20 && byte != 0x09 && byte != 0x0A && byte != 0x0D) {
                throw .controlCharacter(url, line: line, byte: byte)
            }
        }
        // Latin-1 bytes are the first 256 Unicode code points, so widening each byte to UTF-16 decodes them.
        let text = String(data: data, encoding: .utf8) ?? String(decoding: data.map { UInt16($0) }, as: UTF16.self)
        return try parse(text, file: url)
    }

    /// Parses header text; `file` names the header in errors.
    public static func parse(_ text: String, file: URL) throws(WFDBRecordError) -> WFDBHeader {
        var recordLine: (number: Int, text: Substring)?
        var signalLines: [(number: Int, text: Substring)] = []
        var commentLines: [(number: Int, text: Substring)] = []
        // `isNewline` covers "\n", "\r" and "\r\n", which Swift treats as one Character.
        for (index, line) in text.split(omittingEmptySubsequences: false, whereSeparator: \.isNewline).enumerated() {
            let content = line.drop(while: { $0 == " " || $0 == "\t" })
            if content.isEmpty { continue }
            if content.first == "#" {
                commentLines.append((index + 1, content))
            } else if recordLine == nil {
                recordLine = (index + 1, content)
            } else {
                signalLines.append((index + 1, content))
            }
        }
        guard let recordLine else { throw .missingRecordLine(file) }
        var (header, declaredSignals) = try parseRecordLine(recordLine.text, lineNumber: recordLine.number, file: file)
        guard declaredSignals == signalLines.count else {
            throw .signalCountMismatch(file, declared: declaredSignals, signalLines: signalLines.count)
        }
        header.signals = try signalLines.enumerated().map { (index, line) throws(WFDBRecordError) in
            try WFDBSignalSpecification.parse(line.text, lineNumber: line.number, signalNumber: index + 1, file: file)
        }
        header.comments = try WFDBHeaderComments.parse(commentLines, file: file)
        return header
    }

    /// Parses `name[/segments] signals [frequency[/counter[(base)]] [samples [time [date]]]]`.
    private static func parseRecordLine(_ line: Substring, lineNumber: Int, file: URL) throws(WFDBRecordError)
        -> (header: WFDBHeader, signalCount: Int) {
        let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" })
        func malformed(_ reason: String) -> WFDBRecordError {
            .malformedHeaderLine(file, line: lineNumber, text: String(line), reason: reason)
        }
        guard fields.count >= 2 else {
            throw malformed("the record line needs at least a record name and the number of signals")
        }
        guard fields.count <= 6 else {
            throw malformed("the record line has \(fields.count) fields, more than the 6 WFDB defines")
        }
        if let slash = fields[0].firstIndex(of: "/") {
            throw .unsupportedMultiSegmentRecord(file, segments: String(fields[0][fields[0].index(after: slash)...]))
        }
        guard let signalCount = Int(fields[1]), signalCount >= 0 else {
            throw malformed("the number of signals \"\(fields[1])\" is not a non-negative integer")
        }
        var header = WFDBHeader(recordName: String(fields[0]), signals: [])
        if fields.count > 2 {
            let frequencyText = fields[2].prefix(while: { $0 != "/" })
            guard let frequency = Double(frequencyText), frequency.isFinite, frequency > 0 else {
                throw malformed("the sampling frequency \"\(frequencyText)\" is not a positive number")
            }
            header.samplingFrequency = frequency
        }
        if fields.count > 3 {
            guard let samples = Int(fields[3]), samples >= 0 else {
                throw malformed("the number of samples \"\(fields[3])\" is not a non-negative integer")
            }
            header.sampleCount = samples
        }
        if fields.count > 4 { header.baseTime = String(fields[4]) }
        if fields.count > 5 { header.baseDate = String(fields[5]) }
        return (header, signalCount)
    }
}

extension String {
    /// The text with every control, format and line-separator character (NUL, escape, bidirectional overrides, ...)
    /// written as `\u{XX}`: text read from a file is shown and stored this way, so it can neither break a dataset
    /// file's strings nor a terminal.
    public var sanitizedForDisplay: String {
        var result = ""
        result.unicodeScalars.reserveCapacity(unicodeScalars.count)
        for scalar in unicodeScalars {
            switch scalar.properties.generalCategory {
            case .control, .format, .lineSeparator, .paragraphSeparator, .privateUse, .surrogate, .unassigned:
                result += "\\u{\(String(scalar.value, radix: 16, uppercase: true))}"
            default:
                result.unicodeScalars.append(scalar)
            }
        }
        return result
    }
}
