import HDF5

/// The on-disk forms of a Keras model this project reads and writes.
public enum KerasFileFormat: Sendable, Equatable, CustomStringConvertible {
    /// `model.save("x.h5")`: architecture, weights and optimizer state in HDF5 (Keras 2 and Keras 3).
    case legacyModel
    /// Keras 2 `model.save_weights("x.h5")`: the legacy layout without a model config.
    case legacyWeights
    /// Keras 3 `model.save_weights("x.weights.h5")`: weights found by object path, `layers/<class>/vars/<i>`.
    case weightsH5
    /// Keras 3 `model.save("x.keras")`: a zip of `config.json`, `metadata.json` and `model.weights.h5`.
    case kerasArchive

    public var description: String {
        switch self {
        case .legacyModel: return "legacy full-model .h5"
        case .legacyWeights: return "legacy weights-only .h5"
        case .weightsH5: return "Keras 3 .weights.h5"
        case .kerasArchive: return ".keras archive"
        }
    }

    /// Recognises a Keras layout from an HDF5 root group's content (never from the file name).
    public static func detect(root: Group) -> KerasFileFormat? {
        if root.kind(of: "model_weights") == .group { return .legacyModel }
        if root.hasAttribute("layer_names") || root.hasAttribute("layer_names0") { return .legacyWeights }
        if root.kind(of: "layers") == .group || root.kind(of: "_layer_checkpoint_dependencies") == .group {
            return .weightsH5
        }
        return nil
    }

    /// True when the bytes start with a zip local-file header.
    public static func isZip(_ prefix: some Collection<UInt8>) -> Bool {
        Array(prefix.prefix(4)) == [0x50, 0x4b, 0x03, 0x04]
    }
}

/// Keras's name-list attributes (`layer_names`, `weight_names`), which Keras splits into `name0`, `name1`, ...
/// when they pass 64 KiB.
public enum SplitAttribute {
    /// The joined strings; an absent attribute or Keras's empty float64 array reads as no names.
    public static func strings(_ name: String, of holder: some AttributeHolder) throws -> [String] {
        if holder.hasAttribute(name) { return try names(from: holder.attribute(name), holder: holder) }
        var joined: [String] = []
        var chunk = 0
        while holder.hasAttribute("\(name)\(chunk)") {
            joined += try names(from: holder.attribute("\(name)\(chunk)"), holder: holder)
            chunk += 1
        }
        return joined
    }

    private static func names(from attribute: Attribute, holder: some AttributeHolder) throws -> [String] {
        if let strings = attribute.strings { return strings }
        if attribute.value.count == 0 { return [] }
        throw KerasFormatError(file: holder.location.file, object: holder.location.path + "@" + attribute.name,
                               .notNames(attribute.elementType))
    }

    /// Writes names the way Keras does: one attribute, or `name0...` chunks of at most 64512 bytes each.
    public static func write(_ names: [String], as name: String, to holder: some AttributeHolder) throws {
        if names.isEmpty {
            try holder.setAttribute(name, [Double]())
            return
        }
        let limit = 64512
        let longest = names.map(\.utf8.count).max() ?? 0
        if let tooLong = names.first(where: { $0.utf8.count > limit }) {
            throw KerasFormatError(file: holder.location.file, object: holder.location.path, .nameTooLong(tooLong, limit: limit))
        }
        // Keras measures numpy's fixed-width array size: count × longest name.
        var chunks = 1
        while (names.count + chunks - 1) / chunks * longest > limit { chunks += 1 }
        if chunks == 1 {
            // Keras writes one attribute of variable-length strings, each a 16-byte reference in the object
            // header; past the limit (thousands of short names, where Keras's own save fails) the same names
            // fit as fixed-length strings, which Keras reads alike.
            let layout: StringLayout = names.count * 16 > limit ? .fixedLength(0) : .variableLength
            try holder.setAttribute(name, strings: names, layout: layout, encoding: .ascii)
            return
        }
        // Sizes as numpy's array_split gives them: the first `count % chunks` chunks hold one more.
        var start = 0
        for index in 0..<chunks {
            let size = names.count / chunks + (index < names.count % chunks ? 1 : 0)
            try holder.setAttribute("\(name)\(index)", strings: Array(names[start..<start + size]),
                                    layout: .fixedLength(0), encoding: .ascii)
            start += size
        }
    }
}
