import Foundation

/// An SVG attribute value: a number (written in plain decimal form, never as NaN or infinity) or text.
public enum SVGValue: Sendable {
    case number(Double)
    case text(String)

    /// The value as written, `nil` for a number that is not finite.
    var rendered: String? {
        switch self {
        case let .number(value): value.isFinite ? Self.format(value) : nil
        case let .text(text): text
        }
    }

    /// A finite number with at most two decimals, trailing zeros dropped (`12`, `3.5`, `-0.25`).
    static func format(_ value: Double) -> String {
        var text = String(format: "%.2f", value)
        while text.hasSuffix("0") { text.removeLast() }
        if text.hasSuffix(".") { text.removeLast() }
        return text == "-0" ? "0" : text
    }
}
