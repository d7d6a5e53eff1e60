# 通用文案（所有命令与控制台共用）。
# Common messages (every command and the console).

lang-name = 中文
# An error as the CLI prints it.
error-prefix = 错误：{ $message }
