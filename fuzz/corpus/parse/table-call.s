call 0
call 1
call 5
call 12
call 212
call 2147483647
call pc+5
call pc-3
call pc+1
call pc-1
call pc+100000
call kfunc(1234)
call kfunc(1234, 2)
call kfunc(100000)
call kfunc(1, 32767)
