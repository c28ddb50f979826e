import CommandLineSupport

ToolMain.run(Digits.self)
