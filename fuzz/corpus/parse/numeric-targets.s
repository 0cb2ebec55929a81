r0 = 0
if w1 s< w2 goto +7 ; if r1 == 5 goto +6
may_goto -4
gotol +4
call pc+4
r3 = func(+3) ll
goto -9
exit
r0 = 1
exit
