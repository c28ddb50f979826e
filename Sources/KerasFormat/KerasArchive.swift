import Foundation
import ZIPFoundation

/// A `.keras` zip, read and checked: its member list, its two JSON members, and where its weights are.
public struct KerasArchive: Sendable {
    /// One zip member as listed in the central directory.
    public struct Member: Sendable, Equatable {
        /// The member's path inside the zip.
        public let path: String
        /// Bytes once inflated.
        public let uncompressedSize: Int
        /// Bytes in the zip.
        public let compressedSize: Int
        /// Whether the member is deflated (Keras stores them deflated).
        public let isCompressed: Bool
    }

    /// The archive's members in stored order.
    public let members: [Member]
    /// `config.json`, parsed.
    public let config: JSONValue
    /// `metadata.json`, parsed, when present.
    public let metadata: JSONValue?
    /// Where `model.weights.h5` is: in place in the archive file, or inflated into memory.
    public enum Weights: Sendable {
        /// Stored uncompressed (as Keras stores it): bytes `region` of the archive file at `path`.
        case inPlace(path: String, region: Range<Int>)
        /// Deflated in the archive, so inflated into memory.
        case inflated([UInt8])
    }

    /// The archive's `model.weights.h5`.
    public let weights: Weights

    /// Members read into memory (the JSON ones, deflated weights) larger than this are refused before they are
    /// read; weights stored uncompressed are read in place, at any size.
    public static let memberSizeLimit = 2 << 30
    /// A member may expand at most this many times its compressed size (Keras's zip-bomb bound is 100).
    public static let expansionLimit = 100

    /// Reads and checks a `.keras` archive: no path traversal, no oversized or over-compressed members,
    /// and the members Keras needs present.
    public static func read(_ path: String) throws -> KerasArchive {
        let archive: Archive
        do {
            archive = try Archive(url: URL(fileURLWithPath: path), accessMode: .read)
        } catch {
            throw KerasFormatError(file: path, .notAZip("\(error)"))
        }
        return try read(archive, name: path)
    }

    /// Where a stored (uncompressed) member's bytes lie in the archive file, after checking that they do lie
    /// there and have the CRC-32 the central directory gives (computed streaming, without holding them).
    private static func storedRegion(of entry: Entry, in path: String, size archiveSize: Int) throws -> Range<Int> {
        let declared = Int(clamping: entry.uncompressedSize)
        let descriptor = open(path, O_RDONLY | O_CLOEXEC)
        guard descriptor >= 0 else { throw KerasFormatError(file: path, .unreadable(String(cString: strerror(errno)))) }
        defer { close(descriptor) }
        guard let start = ZipLayout.dataOffset(of: entry.path, descriptor: descriptor, fileSize: archiveSize),
              declared == Int(clamping: entry.compressedSize), declared <= archiveSize - start else {
            throw KerasFormatError(file: path, object: entry.path, .truncatedArchiveMember(declared: UInt64(declared), archive: UInt64(archiveSize)))
        }
        guard let computed = ZipLayout.crc(descriptor: descriptor, range: start..<start + declared) else {
            throw KerasFormatError(file: path, .unreadable(String(cString: strerror(errno))))
        }
        guard computed == entry.checksum else {
            throw KerasFormatError(file: path, object: entry.path, .checksumMismatch(stored: entry.checksum, computed: computed))
        }
        return start..<start + declared
    }

    private static func read(_ archive: Archive, name path: String) throws -> KerasArchive {
        func fail(_ object: String?, _ problem: KerasFormatError.Problem) -> KerasFormatError {
            KerasFormatError(file: path, object: object, problem)
        }
        var members: [Member] = []
        var entries: [String: Entry] = [:]
        for entry in archive {
            let member = Member(path: entry.path, uncompressedSize: Int(clamping: entry.uncompressedSize),
                                compressedSize: Int(clamping: entry.compressedSize), isCompressed: entry.isCompressed)
            if member.path.hasPrefix("/") || member.path.split(separator: "/").contains("..") || member.path.contains("\\") {
                throw fail(member.path, .unsafeArchivePath)
            }
            members.append(member)
            entries[member.path] = entry
        }
        let archiveSize = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? Int.max
        func contents(_ name: String, required: Bool) throws -> Data? {
            guard let entry = entries[name] else {
                if required { throw fail(name, .missingArchiveMember(members: members.map(\.path))) }
                return nil
            }
            let declared = Int(clamping: entry.uncompressedSize)
            if declared > memberSizeLimit { throw fail(name, .archiveMemberTooLarge(bytes: UInt64(declared), limit: UInt64(memberSizeLimit))) }
            // A member's bytes lie inside the archive: headers claiming more than the file holds are refused
            // before anything is read (Python's zipfile raises EOFError on them).
            let stored = Int(clamping: entry.compressedSize)
            if stored > archiveSize || (!entry.isCompressed && declared != stored) {
                throw fail(name, .truncatedArchiveMember(declared: UInt64(declared), archive: UInt64(archiveSize)))
            }
            if entry.isCompressed, declared > 1 << 20, declared / max(1, Int(clamping: entry.compressedSize)) > expansionLimit {
                throw fail(name, .zipBomb(expansionLimit: UInt64(expansionLimit)))
            }
            var data = Data()
            data.reserveCapacity(declared)
            let checksum: CRC32
            do {
                checksum = try archive.extract(entry) { chunk in
                    guard data.count + chunk.count <= declared else { throw Archive.ArchiveError.invalidEntrySize }
                    data.append(chunk)
                }
            } catch {
                throw fail(name, .unextractable("\(error)"))
            }
            // ZIPFoundation computes the checksum of what it extracts; comparing it is the reader's job.
            guard checksum == entry.checksum else { throw fail(name, .checksumMismatch(stored: entry.checksum, computed: checksum)) }
            guard data.count == declared else {
                throw fail(name, .truncatedArchiveMember(declared: UInt64(declared), archive: UInt64(archiveSize)))
            }
            return data
        }
        let configData = try contents("config.json", required: true) ?? Data()
        let config: JSONValue
        do {
            config = try JSONParser.parse(String(decoding: configData, as: UTF8.self))
        } catch {
            throw fail("config.json", .invalidJSON("\(error)"))
        }
        var metadata: JSONValue?
        if let data = try contents("metadata.json", required: false) {
            metadata = try? JSONParser.parse(String(decoding: data, as: UTF8.self))
        }
        let weights: Weights
        if let entry = entries["model.weights.h5"], !entry.isCompressed {
            weights = .inPlace(path: path, region: try storedRegion(of: entry, in: path, size: archiveSize))
        } else {
            weights = .inflated([UInt8](try contents("model.weights.h5", required: true) ?? Data()))
        }
        return KerasArchive(members: members, config: config, metadata: metadata, weights: weights)
    }
}
