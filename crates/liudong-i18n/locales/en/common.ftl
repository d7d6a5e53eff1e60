# Common messages (every command and the console).

lang-name = English
# An error as the CLI prints it.
error-prefix = error: { $message }
