import Foundation

/// A small SVG writer: elements are appended in drawing order with typed attribute values, text is
/// XML-escaped, and numbers are written in plain decimal form. An element with a non-finite number
/// (e.g. from a NaN metric) is left out, so the document is always valid XML with valid numbers.
public struct SVGDocument: Sendable {
    /// Width and height in user units (pixels).
    public let width: Double
    public let height: Double
    private var body: [String] = []

    /// An empty drawing of `width` × `height`.
    public init(width: Double, height: Double) {
        self.width = width
        self.height = height
    }

    /// Appends an element `name` with `attributes` and, if given, escaped text content; returns whether it
    /// was added (not if a number is not finite).
    @discardableResult
    public mutating func add(_ name: String, _ attributes: [(String, SVGValue)], text: String? = nil) -> Bool {
        var rendered: [String] = []
        for (attribute, value) in attributes {
            guard let valueText = value.rendered else { return false }
            rendered.append("\(attribute)=\"\(Self.escaped(valueText))\"")
        }
        let open = "<\(name)" + (rendered.isEmpty ? "" : " " + rendered.joined(separator: " "))
        body.append(text.map { open + ">" + Self.escaped($0) + "</\(name)>" } ?? open + "/>")
        return true
    }

    /// Appends a polyline through `points`; returns whether it was added (not if a point is not finite or
    /// there are none).
    @discardableResult
    public mutating func addPolyline(_ points: [(x: Double, y: Double)], attributes: [(String, SVGValue)]) -> Bool {
        guard !points.isEmpty, points.allSatisfy({ $0.x.isFinite && $0.y.isFinite }) else { return false }
        let list = points.map { SVGValue.format($0.x) + "," + SVGValue.format($0.y) }.joined(separator: " ")
        return add("polyline", [("points", .text(list))] + attributes)
    }

    /// The complete document.
    public var xml: String {
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
            + "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(SVGValue.format(width))\" "
            + "height=\"\(SVGValue.format(height))\" viewBox=\"0 0 \(SVGValue.format(width)) \(SVGValue.format(height))\" "
            + "font-family=\"sans-serif\" font-size=\"12\">\n"
            + body.map { "  " + $0 + "\n" }.joined()
            + "</svg>\n"
    }

    /// Writes the document atomically to `file`.
    public func write(to file: URL) throws(ReportError) {
        try ReportFileWriter.write(xml, to: file)
    }

    /// `text` with the five XML special characters escaped and control characters XML cannot hold dropped.
    public static func escaped(_ text: String) -> String {
        var result = ""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "&": result += "&amp;"
            case "<": result += "&lt;"
            case ">": result += "&gt;"
            case "\"": result += "&quot;"
            case "'": result += "&apos;"
            case "\t", "\n", "\r": result.unicodeScalars.append(scalar)
            default:
                if scalar.value >= 0x20 { result.unicodeScalars.append(scalar) }
            }
        }
        return result
    }
}
