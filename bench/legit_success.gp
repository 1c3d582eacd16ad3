set terminal pngcairo size 1100,650 font ',10'
set output 'legit_success.png'
set title 'Legitimate connections under a spoofed SYN flood (6.12.117+deb12-amd64, QEMU TCG, median of 5 runs)'
set xlabel 'flood rate offered (kpps)'
set ylabel 'legitimate connections that succeed (%)'
set yrange [-5:105]
set xrange [0:*]
set grid
set key outside right
set arrow from 53.686, graph 0 to 53.686, graph 1 nohead dt 3
set label 'kernel capacity' at 53.686, graph 0.04 offset 0.5,0
plot 'legit_success.dat' index 0 with linespoints lw 2 dt 1 lc rgb '#000000' pt 5 ps 1.3 title 'none', \
     'legit_success.dat' index 1 with linespoints lw 2 dt 1 lc rgb '#d62728' pt 7 ps 1.3 title 'kernel cookies', \
     'legit_success.dat' index 2 with linespoints lw 2 dt 1 lc rgb '#1f77b4' pt 9 ps 1.3 title 'nft synproxy', \
     'legit_success.dat' index 3 with linespoints lw 2 dt 1 lc rgb '#2ca02c' pt 13 ps 1.3 title 'synguard always', \
     'legit_success.dat' index 4 with linespoints lw 2 dt 1 lc rgb '#ff7f0e' pt 11 ps 1.3 title 'synguard auto', \
     'legit_success.dat' index 5 with linespoints lw 2 dt 2 lc rgb '#000000' pt 4 ps 1.3 title 'none conntrack', \
     'legit_success.dat' index 6 with linespoints lw 2 dt 2 lc rgb '#d62728' pt 6 ps 1.3 title 'kernel cookies conntrack', \
     'legit_success.dat' index 7 with linespoints lw 2 dt 2 lc rgb '#1f77b4' pt 8 ps 1.3 title 'nft synproxy conntrack', \
     'legit_success.dat' index 8 with linespoints lw 2 dt 2 lc rgb '#2ca02c' pt 12 ps 1.3 title 'synguard always conntrack', \
     'legit_success.dat' index 9 with linespoints lw 2 dt 2 lc rgb '#ff7f0e' pt 10 ps 1.3 title 'synguard auto conntrack', \
     'legit_success.dat' index 10 with linespoints lw 2 dt 1 lc rgb '#7f7f7f' pt 15 ps 1.3 title 'kernel cookies 2'
