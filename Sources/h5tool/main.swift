import CommandLineSupport

ToolMain.run(H5Tool.self)
