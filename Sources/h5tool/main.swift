print("h5tool")
