import KerasFormat
import Testing

/// The JSON reader and writer used for Keras configs.
@Suite struct JSONTests {
    @Test func parsesEveryValueKindAndKeepsKeyOrder() throws {
        let value = try JSONParser.parse(#"{"z": 1, "a": [true, false, null], "m": {"x": -2.5e-3, "s": "a\"b\\c\u00e9\ud83d\ude00"}}"#)
        #expect(value.objectValue?.keys == ["z", "a", "m"])
        #expect(value["z"] == .int(1))
        #expect(value["a"] == .array([.bool(true), .bool(false), .null]))
        #expect(value["m"]?["x"] == .double(-0.0025))
        #expect(value["m"]?["s"]?.stringValue == "a\"b\\cé😀")
    }

    @Test func acceptsPythonsNonFiniteNumbers() throws {
        let value = try JSONParser.parse("[NaN, Infinity, -Infinity]")
        let numbers = value.arrayValue?.compactMap(\.doubleValue) ?? []
        #expect(numbers.count == 3 && numbers[0].isNaN && numbers[1] == .infinity && numbers[2] == -.infinity)
    }

    @Test func writesWhatPythonsJsonDumpsWrites() throws {
        // The exact text json.dumps gives for this value (checked with CPython 3.11).
        let text = #"{"name": "dense", "units": 10, "rate": 0.25, "lr": 0.009999999776482582, "eps": 1e-07, "shape": [null, 28, 28, 1], "s": "\u00e9\n"}"#
        #expect(try JSONParser.parse(text).pythonJSON == text)
    }

    @Test func refusesMalformedDeepAndHugeInput() {
        #expect(throws: JSONError.self) { try JSONParser.parse(#"{"a": }"#) }
        #expect(throws: JSONError.self) { try JSONParser.parse(#"{"a": 1} trailing"#) }
        #expect(throws: JSONError.self) { try JSONParser.parse(#""unterminated"#) }
        #expect(throws: JSONError.self) { try JSONParser.parse(String(repeating: "[", count: 100) + String(repeating: "]", count: 100)) }
        #expect(throws: JSONError.self) { try JSONParser.parse("[" + String(repeating: "1,", count: 100) + "1]", maximumBytes: 50) }
    }

    @Test func prettyOutputIsStandardJSON() throws {
        let value = JSONValue.object(JSONObject([("a", .array([.int(1), .double(.nan)])), ("b", .object(JSONObject()))]))
        #expect(value.prettyJSON == "{\n  \"a\": [\n    1,\n    null\n  ],\n  \"b\": {}\n}")
    }
}

/// Keras's naming rules for saveable paths.
@Suite struct KerasNamingTests {
    @Test func snakeCaseMatchesKeras() {
        #expect(KerasNaming.snakeCase("Conv2D") == "conv2d")
        #expect(KerasNaming.snakeCase("MaxPooling2D") == "max_pooling2d")
        #expect(KerasNaming.snakeCase("AveragePooling2D") == "average_pooling2d")
        #expect(KerasNaming.snakeCase("ZeroPadding2D") == "zero_padding2d")
        #expect(KerasNaming.snakeCase("InputLayer") == "input_layer")
        #expect(KerasNaming.snakeCase("Dense") == "dense")
        // What Python's re gives for Keras's two substitutions, on names that exercise every branch of them.
        let expected = ["PReLU": "p_re_lu", "ReLU": "re_lu", "ELU": "elu", "GlobalAveragePooling2D": "global_average_pooling2d",
                        "Conv2DTranspose": "conv2d_transpose", "ABCDef": "abc_def", "aBcDeF": "a_bc_de_f", "MyHTTPLayer": "my_http_layer",
                        "_Private_Name": "__private__name", "x": "x", "Aa": "aa", "A": "a", "UpSampling2D": "up_sampling2d",
                        "Layer-Name": "layer_name"]
        for (className, snake) in expected { #expect(KerasNaming.snakeCase(className) == snake, "\(className)") }
    }

    @Test func repeatedNamesGetNumberedSuffixes() {
        #expect(KerasNaming.uniqueNames(["conv2d", "average_pooling2d", "conv2d", "average_pooling2d", "conv2d"])
                == ["conv2d", "average_pooling2d", "conv2d_1", "average_pooling2d_1", "conv2d_2"])
    }

    @Test func classNamesComeBackFromSaveableNames() {
        #expect(KerasNaming.className(fromSaveableName: "average_pooling2d_1") == "AveragePooling2D")
        #expect(KerasNaming.className(fromSaveableName: "dense") == "Dense")
        #expect(KerasNaming.className(fromSaveableName: "lstm_2") == "LSTM")
        #expect(KerasNaming.className(fromSaveableName: "conv_lstm2d_2") == nil)
    }
}
